/** Slack's limits are counted in UTF-16 units; we cut between graphemes so no character breaks. */
const segmenter = new Intl.Segmenter('ja', { granularity: 'grapheme' });

/** Cuts `text` to at most `max` UTF-16 units, ending in '…' when cut, never inside a character. */
export function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  let out = '';
  for (const { segment } of segmenter.segment(text)) {
    if (out.length + segment.length > max - 1) break;
    out += segment;
  }
  return `${out}…`;
}

/** Escapes the three characters mrkdwn gives meaning to, so user text cannot mention or link. */
function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Escaped and cut: escaping first, so that the cut never splits an entity such as `&amp;`. */
export function mrkdwn(text: string, max: number): string {
  const escaped = escapeMrkdwn(text);
  if (escaped.length <= max) return escaped;
  const cutText = cut(escaped, max);
  // A cut right after '&' may leave a partial entity: drop it.
  return cutText.replace(/&[a-z]{0,3}…$/, '…');
}
