import { formatJpDate } from '../calendar/wareki';
import { jstToday, monthParts } from '../calendar/jst';
import { fiscalMonths, fiscalYearRange, INDICATORS, type IndicatorValue } from './count';

/**
 * 活動指標 as a picture for a 運営会議: per indicator, the year's count against its target (a
 * bar, with a mark where an even pace would stand today) and what each month added. Plain SVG
 * drawn here (a dozen rectangles and labels per row need no chart library); every number is
 * also in the markup as data attributes, so a test reads the same numbers the text answer gives.
 */

/** Narrow enough that a phone shows the labels at a readable size without zooming. */
const CHART_WIDTH = 560;
const PAD = 20;
const INNER = CHART_WIDTH - 2 * PAD;
const FONT = `'BIZ UDPGothic', 'Noto Sans CJK JP', 'Noto Sans JP', 'Hiragino Sans', 'Yu Gothic', sans-serif`;
const GREEN = '#2e7d4f';
const AMBER = '#c77700';
const INK = '#1d2433';
const GREY = '#5a6475';
const TRACK = '#e3e7ee';

export interface IndicatorChart {
  svg: string;
  width: number;
  height: number;
  title: string;
  /** The chart in words (alt text, and the answer where no picture can be shown). */
  alt: string;
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

const warekiFiscalYear = (fy: number) => (fy >= 2019 ? `令和${fy === 2019 ? '元' : fy - 2018}年度` : `${fy}年度`);

/** How far through the fiscal year `asOf` is (0 … 1): where an even pace would stand. */
function yearElapsed(fy: number, asOf: Date): number {
  const { from, to } = fiscalYearRange(fy);
  return Math.min(1, Math.max(0, (asOf.getTime() - from.getTime()) / (to.getTime() - from.getTime())));
}

/** What the target reads as, in the words of the text answer. */
function targetWords(v: IndicatorValue, unit: string): string {
  return v.offices
    ? `1事業所あたり${v.target}${unit}以上（${v.offices.reached}/${v.offices.total}事業所で達成）`
    : `${v.target}${unit}以上`;
}

function text(x: number, y: number, s: string, attrs = ''): string {
  return `<text x="${x}" y="${y}" ${attrs}>${esc(s)}</text>`;
}

export function indicatorChart(values: IndicatorValue[], fy: number, asOf: Date): IndicatorChart {
  const today = jstToday(asOf);
  const { to } = fiscalYearRange(fy);
  const current = asOf < to;
  const title = `${warekiFiscalYear(fy)} 活動指標`;
  const subtitle = `${current ? `${formatJpDate(today)}時点` : '年度の実績'}・目標に対する実績と月ごとの推移`;
  const elapsed = yearElapsed(fy, asOf);
  const months = fiscalMonths(fy);
  const thisMonth = today.slice(0, 7);
  const parts: string[] = [];
  const words: string[] = [];
  let y = PAD;
  parts.push(text(PAD, y + 24, title, `font-size="24" font-weight="bold" fill="${INK}"`));
  parts.push(text(PAD, y + 50, subtitle, `font-size="14" fill="${GREY}"`));
  y += 66;
  if (current) {
    parts.push(`<line x1="${PAD}" y1="${y + 6}" x2="${PAD + 16}" y2="${y + 6}" stroke="${INK}" stroke-width="2" stroke-dasharray="3 2"/>`);
    parts.push(text(PAD + 22, y + 11, '年度の経過（棒がここより右なら目標のペース以上）', `font-size="12" fill="${GREY}"`));
    y += 22;
  }

  for (const group of [...new Set(INDICATORS.map((i) => i.group))]) {
    y += 10;
    parts.push(`<rect x="${PAD}" y="${y}" width="${INNER}" height="30" rx="4" fill="#1f3f5f"/>`);
    parts.push(text(PAD + 10, y + 21, group, `font-size="16" font-weight="bold" fill="#ffffff"`));
    y += 40;
    for (const ind of INDICATORS.filter((i) => i.group === group)) {
      const v = values.find((x) => x.key === ind.key);
      if (!v) continue;
      const color = v.met ? GREEN : AMBER;
      const row: string[] = [];
      row.push(text(PAD, y + 16, ind.label, `font-size="16" font-weight="bold" fill="${INK}"`));
      const status = v.met ? '✓ 達成' : v.offices ? '▲ 未達' : `▲ あと${Math.max(0, v.target - v.value)}${ind.unit}`;
      row.push(
        text(
          PAD,
          y + 38,
          `${v.value}${ind.unit} / 目標 ${v.target}${ind.unit}`,
          `font-size="17" fill="${color}" font-weight="bold" class="figure"`,
        ),
      );
      row.push(text(PAD + INNER, y + 38, status, `font-size="15" text-anchor="end" fill="${color}" font-weight="bold"`));
      if (v.offices)
        row.push(
          text(
            PAD,
            y + 56,
            `目標は1事業所あたり${v.target}${ind.unit}以上: ${v.offices.reached}/${v.offices.total}事業所で達成`,
            `font-size="12" fill="${GREY}"`,
          ),
        );
      const by = y + (v.offices ? 64 : 48);
      const ratio = v.target > 0 ? v.value / v.target : v.value > 0 ? 1 : 0;
      row.push(`<rect x="${PAD}" y="${by}" width="${INNER}" height="14" rx="7" fill="${TRACK}"/>`);
      if (ratio > 0)
        row.push(
          `<rect x="${PAD}" y="${by}" width="${(INNER * Math.min(1, ratio)).toFixed(1)}" height="14" rx="7" fill="${color}" class="progress"/>`,
        );
      if (current && v.monthly) {
        const px = (PAD + INNER * elapsed).toFixed(1);
        row.push(
          `<line x1="${px}" y1="${by - 4}" x2="${px}" y2="${by + 18}" stroke="${INK}" stroke-width="2" stroke-dasharray="3 2" class="pace"/>`,
        );
      }
      let rowEnd = by + 22;
      if (v.monthly) {
        const top = by + 24;
        const barMax = 34;
        const max = Math.max(1, ...v.monthly);
        const slot = INNER / 12;
        v.monthly.forEach((n, i) => {
          const month = months[i] ?? '';
          const future = month > thisMonth;
          const cx = PAD + slot * i + slot / 2;
          const h = n > 0 ? Math.max(3, (n / max) * barMax) : 0;
          if (h > 0)
            row.push(
              `<rect x="${(cx - slot * 0.3).toFixed(1)}" y="${(top + 14 + barMax - h).toFixed(1)}" width="${(slot * 0.6).toFixed(1)}" height="${h.toFixed(1)}" fill="#1f5f8b" data-month="${month}" data-count="${n}"/>`,
            );
          else
            row.push(
              `<rect x="${(cx - slot * 0.3).toFixed(1)}" y="${top + 14 + barMax - 1}" width="${(slot * 0.6).toFixed(1)}" height="1" fill="${future ? 'none' : '#b8c1cf'}" data-month="${month}" data-count="0"/>`,
            );
          if (n > 0) row.push(text(cx, top + 10 + barMax - h, String(n), `font-size="12" text-anchor="middle" fill="${INK}"`));
          row.push(
            text(
              cx,
              top + barMax + 30,
              `${monthParts(month).month}月`,
              `font-size="12" text-anchor="middle" fill="${future ? '#b8c1cf' : GREY}"`,
            ),
          );
        });
        rowEnd = top + barMax + 36;
      } else {
        row.push(text(PAD, by + 36, '現在の数（月ごとの推移はありません）', `font-size="12" fill="${GREY}"`));
        rowEnd = by + 44;
      }
      parts.push(
        `<g class="indicator" data-key="${ind.key}" data-value="${v.value}" data-target="${v.target}" data-met="${v.met}"${v.offices ? ` data-offices-reached="${v.offices.reached}" data-offices-total="${v.offices.total}"` : ''}>${row.join('')}</g>`,
      );
      parts.push(`<line x1="${PAD}" y1="${rowEnd + 6}" x2="${PAD + INNER}" y2="${rowEnd + 6}" stroke="${TRACK}"/>`);
      y = rowEnd + 14;
      words.push(`${v.met ? '達成' : '未達'} ${ind.label}: ${v.value}${ind.unit}（目標 ${targetWords(v, ind.unit)}）`);
    }
  }
  y += 4;
  parts.push(text(PAD, y + 12, '集計のみ（個人を特定する情報は含みません）。', `font-size="11" fill="${GREY}"`));
  const height = Math.ceil(y + 24);
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${CHART_WIDTH}" height="${height}" viewBox="0 0 ${CHART_WIDTH} ${height}" role="img" aria-label="${esc(title)}" font-family="${esc(FONT)}" data-fiscal-year="${fy}">
<title>${esc(title)}</title>
<rect width="100%" height="100%" fill="#ffffff"/>
${parts.join('\n')}
</svg>
`;
  return { svg, width: CHART_WIDTH, height, title, alt: `${title}（${subtitle}）。${words.join('。')}。` };
}
