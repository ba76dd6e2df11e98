import type { CommandSpec } from '../src/chat/registry';
import { card, reply } from '../src/chat/replies';
import type { ChartBlock, Field } from '../src/chat/types';
import { requireRole } from '../src/core/access';
import { writeAudit } from '../src/core/audit/write';
import { fiscalYearOf, jstToday } from '../src/core/calendar/jst';
import { UserError } from '../src/core/errors';
import { indicatorChart } from '../src/core/indicators/chart';
import { countIndicators, INDICATOR_ROLES, INDICATORS, indicatorTargetsOf } from '../src/core/indicators/count';
import { chartUrls } from '../src/http/outputs/charts';

/** How many fiscal years back 指標 reports (records are kept about as long). */
const FISCAL_YEARS_BACK = 10;

/**
 * `shihyo`, `shihyo 2025`, `shihyo 令和7年度`, `shihyo R7`: the fiscal year to report, from
 * FISCAL_YEARS_BACK years ago to this one (relative to today in Japan); a year it cannot read, or
 * one outside that range (令和99年度, 2099), gets a polite refusal with the range.
 */
export function parseFiscalYear(text: string, today: string): number {
  const fy = readFiscalYear(text, today);
  const current = fiscalYearOf(today);
  const first = current - FISCAL_YEARS_BACK;
  if (fy > current || fy < first) {
    throw new UserError(
      'fiscal_year_out_of_range',
      `${wareki(fy)}の指標は出せません。${wareki(first)}から${wareki(current)}（今年度）までの年度で指定してください。`,
      'fiscal year out of range',
    );
  }
  return fy;
}

function readFiscalYear(text: string, today: string): number {
  const words = text.normalize('NFKC').replace(/\s/g, '');
  if (words === '今年度') return fiscalYearOf(today);
  if (words === '昨年度' || words === '前年度') return fiscalYearOf(today) - 1;
  const t = words.replace(/年度|年/g, '');
  if (t === '') return fiscalYearOf(today);
  const western = /^(\d{4})$/.exec(t);
  if (western) return Number(western[1]);
  const reiwa = /^(?:令和|R)(\d{1,2}|元)$/i.exec(t);
  if (reiwa) return 2018 + (reiwa[1] === '元' ? 1 : Number(reiwa[1]));
  throw new UserError('bad_fiscal_year', '年度が読み取れませんでした。例: 指標 / 指標 2025 / 指標 令和7年度', 'unreadable fiscal year');
}

const wareki = (fy: number) => (fy >= 2019 ? `令和${fy === 2019 ? '元' : fy - 2018}年度` : `${fy}年度`);

export const shihyoCommand: CommandSpec = {
  id: 'shihyo',
  aliases: ['指標', 'しひょう', '活動指標'],
  label: '指標',
  description: '基幹相談支援センターと協議会の活動指標（年度の実績と目標）',
  usage: '指標　/　指標 令和7年度',
  async onCommand(ctx, cmd) {
    requireRole(ctx.actor, [...INDICATOR_ROLES], '活動指標の閲覧');
    const today = jstToday(ctx.now);
    const fy = parseFiscalYear(cmd.text, today);
    const values = await countIndicators(ctx.db, ctx.actor.tenantId, fy, ctx.now, await indicatorTargetsOf(ctx.db, ctx.actor.tenantId));
    await writeAudit(ctx.db, {
      tenantId: ctx.actor.tenantId,
      actorStaffId: ctx.actor.staffId,
      platform: ctx.actor.platform,
      action: 'view',
      resourceType: 'report',
      resourceId: `indicators:${fy}`,
    });
    const groups = [...new Set(INDICATORS.map((i) => i.group))];
    const cards = groups.map((g) => {
      const fields: Field[] = INDICATORS.filter((i) => i.group === g).map((ind) => {
        const v = values.find((x) => x.key === ind.key);
        const mark = v?.met ? '✓' : '⚠';
        const detail = v?.offices
          ? `（目標 1事業所あたり${v.target}${ind.unit}以上: ${v.offices.reached}/${v.offices.total}事業所で達成）`
          : `（目標 ${v?.target}${ind.unit}以上）`;
        return { label: ind.label, value: `${mark} ${v?.value ?? 0}${ind.unit}${detail}` };
      });
      return card(
        `${g}の活動指標`,
        fields,
        undefined,
        `${wareki(fy)}（${fy}年4月〜${fy + 1}年3月）${fy === fiscalYearOf(today) ? ' 本日時点' : ''}`,
      );
    });
    // The same numbers as a picture: the year against each target and the trend by month.
    const drawn = indicatorChart(values, fy, ctx.now);
    const urls = chartUrls(ctx.actor, fy, ctx.now, ctx.now);
    const chart: ChartBlock | null = urls && {
      type: 'chart',
      title: `${drawn.title}（グラフ）`,
      alt: drawn.alt,
      svgUrl: urls.svgUrl,
      pngUrl: urls.pngUrl,
      width: drawn.width,
      height: drawn.height,
      bars: INDICATORS.map((ind) => {
        const v = values.find((x) => x.key === ind.key);
        return { label: ind.label, value: v?.value ?? 0, target: v?.target ?? ind.target, unit: ind.unit, met: v?.met ?? false };
      }),
    };
    return [
      reply(`${wareki(fy)}の活動指標`, [
        ...cards,
        ...(chart ? [chart] : []),
        {
          type: 'text',
          text: '集計のみ（個人を特定する情報は含みません）。目標値は管理者が市町村ごとに設定できます。グラフのリンクは24時間有効です。',
        },
      ]),
    ];
  },
};
