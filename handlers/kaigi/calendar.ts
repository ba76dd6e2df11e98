import type { HandlerContext } from '../../src/chat/registry';
import { button, card, reply, textReply } from '../../src/chat/replies';
import { shortDateTime } from '../../src/core/calendar/format';
import type { Reply } from '../../src/chat/types';
import { ensureFeed, renewFeed, stopFeed, type Feed } from '../../src/core/meetings/feeds';
import { FEED_DAYS_AHEAD, FEED_DAYS_BACK } from '../../src/core/meetings/ics';
import { feedUrls, meetingIcsUrl } from '../../src/http/outputs/calendar';

/** A reply with the meeting's .ics link added (not for a cancelled meeting, nor without the routes). */
export function withIcsLink(ctx: HandlerContext, r: Reply, meeting: { id: string; cancelled: boolean }): Reply {
  const url = meeting.cancelled ? null : meetingIcsUrl(ctx.actor, meeting.id, ctx.now);
  if (!url) return r;
  return {
    ...r,
    blocks: [...r.blocks, { type: 'links', links: [{ label: 'カレンダーに追加（.ics）', url, note: '日本時間・出席者入り。1週間有効' }] }],
  };
}

function feedReply(feed: Feed, note: string): Reply[] {
  const urls = feedUrls(feed.id);
  if (!urls) return [textReply('カレンダーの購読はこの環境では使えません。')];
  return [
    reply('カレンダーの購読', [
      card(
        'カレンダーの購読（あなた専用）',
        [
          {
            label: '載る会議',
            value: `出席する会議と登録した会議（${FEED_DAYS_BACK}日前〜${Math.round(FEED_DAYS_AHEAD / 30)}か月先）。中止も反映されます`,
          },
          { label: '発行', value: shortDateTime(feed.createdAt) },
          { label: 'カレンダーの取得', value: feed.lastFetchedAt ? `最終 ${shortDateTime(feed.lastFetchedAt)}` : 'まだありません' },
        ],
        [button('URLを作り直す', 'kaigi:calrenew', ''), button('購読を停止', 'kaigi:calstop', '', 'danger')],
      ),
      {
        type: 'links',
        links: [
          { label: 'iPhone・Macのカレンダーで購読', url: urls.webcal, note: 'タップして「照会」を選びます' },
          {
            label: 'Googleカレンダーなど（URLで追加）',
            url: urls.https,
            note: 'パソコンのGoogleカレンダーで「他のカレンダー」→「URLで追加」にこのリンクのアドレスを貼り付けます',
          },
        ],
      },
      {
        type: 'text',
        text: `${note}このURLを知っている人は誰でもあなたの会議の予定（日時・会議名・場所・出席者）を見られます。利用者の情報は載りません。なくしたり他の人に送ってしまったときは「URLを作り直す」を押してください。`,
      },
    ]),
  ];
}

/** 会議 カレンダー: the asker's subscription URL (issued on first use). */
export async function calendarReply(ctx: HandlerContext): Promise<Reply[]> {
  const { feed, created } = await ensureFeed(ctx.db, ctx.actor, ctx.now);
  return feedReply(feed, created ? '購読用のURLを発行しました。' : '');
}

export async function renewCalendar(ctx: HandlerContext): Promise<Reply[]> {
  const feed = await renewFeed(ctx.db, ctx.actor, ctx.now);
  return feedReply(feed, '新しいURLを発行しました。前のURLはもう使えません（購読していたカレンダーでは予定が更新されなくなります）。');
}

export async function stopCalendar(ctx: HandlerContext): Promise<Reply[]> {
  const stopped = await stopFeed(ctx.db, ctx.actor, ctx.now);
  return [
    textReply(
      stopped
        ? 'カレンダーの購読URLを停止しました。もう一度使うときは「会議 カレンダー」と送ってください。'
        : '停止する購読URLはありません。',
    ),
  ];
}
