/**
 * What de-identification costs: `npm run bench:deidentify [-- --persons 5000 --rounds 20]`.
 * Loads the analyzer's dictionary (once per process), then de-identifies posts made of the
 * corpus lines (test/fixtures/deidentify-corpus.ts, about 300 characters each: a 地域課題's 把握した
 * 状況) against a tenant of N invented registered persons, and prints ms per post. No database.
 */
import { parseArgs } from 'node:util';
import { deidentify, warmAnalyzer, type KnownPerson } from '../src/core/deidentify';
import { CORPUS, CORPUS_TODAY } from '../test/fixtures/deidentify-corpus';

const { values } = parseArgs({ options: { persons: { type: 'string', default: '5000' }, rounds: { type: 'string', default: '20' } } });
const personCount = Number(values.persons);
const rounds = Number(values.rounds);

const FAMILIES = [
  '佐藤',
  '鈴木',
  '高橋',
  '田中',
  '伊藤',
  '渡辺',
  '山本',
  '中村',
  '小林',
  '加藤',
  '吉田',
  '山田',
  '佐々木',
  '山口',
  '松本',
  '井上',
  '木村',
  '林',
  '斎藤',
  '清水',
  '町田',
  '大和',
  '東',
  '森',
];
const GIVENS = [
  '太郎',
  '花子',
  '翔',
  '大輔',
  '美咲',
  '健太',
  '陽菜',
  '蓮',
  '結衣',
  '悠真',
  '一郎',
  '恵子',
  '和也',
  '直美',
  'さくら',
  '浩二',
  '愛',
  '希望',
  '実',
  '光',
];
const persons: KnownPerson[] = Array.from({ length: personCount }, (_, i) => ({
  familyName: FAMILIES[i % FAMILIES.length]!,
  givenName: GIVENS[Math.floor(i / FAMILIES.length) % GIVENS.length]!,
  familyKana: 'やまだ',
  givenKana: 'たろう',
  otherOffice: i % 10 !== 0,
}));

const posts: string[] = [];
for (let i = 0, post = ''; i < CORPUS.length; i++) {
  post += CORPUS[i]!.text;
  if (post.length >= 300 || i === CORPUS.length - 1) {
    posts.push(post);
    post = '';
  }
}
const chars = posts.reduce((n, p) => n + p.length, 0) / posts.length;

const rss0 = process.memoryUsage().rss;
let t = performance.now();
warmAnalyzer();
const loadMs = performance.now() - t;
const rssDictMb = (process.memoryUsage().rss - rss0) / 1e6;

t = performance.now();
deidentify(posts[0]!, persons, { today: CORPUS_TODAY });
const firstMs = performance.now() - t;

function perPost(known: readonly KnownPerson[], shapes: boolean): number {
  for (const p of posts) deidentify(p, known, { today: CORPUS_TODAY, shapes }); // warm-up
  const start = performance.now();
  for (let r = 0; r < rounds; r++) for (const p of posts) deidentify(p, known, { today: CORPUS_TODAY, shapes });
  return (performance.now() - start) / (rounds * posts.length);
}

const rows: [string, number][] = [
  [`registry only (${personCount} persons), no analyzer`, perPost(persons, false)],
  ['analyzer, no registered persons', perPost([], true)],
  [`analyzer + registry (${personCount} persons)`, perPost(persons, true)],
];

console.log(`deidentify bench: ${posts.length} posts of ${Math.round(chars)} characters on average, ${rounds} rounds`);
console.log(`dictionary load: ${loadMs.toFixed(0)} ms once per process, RSS +${rssDictMb.toFixed(0)} MB`);
console.log(`first post with ${personCount} persons (builds the name index): ${firstMs.toFixed(1)} ms`);
for (const [label, ms] of rows) console.log(`${label}: ${ms.toFixed(2)} ms per post`);

// loadKnownPersons reads the tenant per post: the index is built once per list read.
t = performance.now();
for (let r = 0; r < 5; r++)
  deidentify(
    posts[0]!,
    persons.map((p) => ({ ...p })),
    { today: CORPUS_TODAY },
  );
console.log(
  `a post with a freshly read list of ${personCount} persons (index built again): ${((performance.now() - t) / 5).toFixed(1)} ms`,
);
