/** The fixed lists of the domain (domain.md), with the labels the UI shows. */

export const CONTACT_METHODS = ['来所', '電話', '訪問', 'オンライン', 'メール', '同行', 'その他'] as const;

/** Consultation kinds from the law's own lists, grouped as the form shows them. */
export const CONSULTATION_KIND_GROUPS = [
  { group: '計画相談支援', kinds: ['アセスメント・サービス等利用計画案の作成', 'モニタリング', '計画変更'] },
  {
    group: '障害者相談支援事業',
    kinds: [
      '福祉サービスの利用援助',
      '社会資源を活用するための支援',
      '社会生活力を高めるための支援',
      'ピアカウンセリング',
      '権利擁護のために必要な援助',
      '専門機関の紹介',
    ],
  },
  { group: '地域相談支援', kinds: ['地域移行支援', '地域定着支援'] },
  { group: 'その他', kinds: ['緊急対応'] },
] as const;

export const CONSULTATION_KINDS: readonly string[] = CONSULTATION_KIND_GROUPS.flatMap((g) => g.kinds);
export const MONITORING_KIND = 'モニタリング';

export const DIFFICULTY_KINDS = [
  '支援拒否',
  '家族関係',
  '医療的ケア',
  '強度行動障害',
  '触法',
  '虐待',
  '経済的困窮',
  '複合課題',
  '社会資源不足',
  'その他',
] as const;
export const HELP_WANTED = ['助言', '同行訪問', 'ケース会議の開催', '事例検討で取り上げる'] as const;
export const URGENCY = { normal: '通常', urgent: '至急' } as const;
export const SECONDARY_OUTCOMES = [
  '助言で解決',
  '同行訪問実施',
  '個別事例連携会議へ',
  '重層的支援会議・多機関協働へ',
  '事例検討へ',
] as const;

/** Limits on free text: a LINE WORKS text message holds 2,000 characters. */
export const LIMITS = {
  summary: 2000,
  nextAction: 500,
  shortText: 200,
  minutesMax: 24 * 60,
} as const;
