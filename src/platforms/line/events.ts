import { z } from 'zod';

/**
 * The parts of a LINE webhook this bot reads. Unknown fields pass through untouched (the event is
 * stored whole); unknown event types are stored and then ignored.
 */
const source = z.object({
  type: z.enum(['user', 'group', 'room']),
  userId: z.string().max(100).optional(),
  groupId: z.string().max(100).optional(),
  roomId: z.string().max(100).optional(),
});

const lineEventSchema = z.looseObject({
  type: z.string().max(50),
  webhookEventId: z.string().min(1).max(100),
  timestamp: z.number(),
  mode: z.string().max(20).optional(),
  replyToken: z.string().max(200).optional(),
  source: source.optional(),
  message: z.looseObject({ type: z.string(), text: z.string().max(10_000).optional() }).optional(),
  postback: z
    .looseObject({ data: z.string().max(1000), params: z.looseObject({ date: z.string().max(20).optional() }).optional() })
    .optional(),
});
export type LineEvent = z.infer<typeof lineEventSchema>;

export const webhookBodySchema = z.object({
  destination: z.string().min(1).max(100),
  events: z.array(lineEventSchema).max(100),
});
