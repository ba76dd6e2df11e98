/**
 * Bot scopes the app asks for; manifest.yaml lists the same (a test keeps them equal).
 * commands: slash commands; chat:write: answers and reminders; im:write: open a DM;
 * im:history: read DMs sent to the bot (「連携 12345678」, 「ケース 山田」).
 */
export const BOT_SCOPES = ['commands', 'chat:write', 'im:write', 'im:history'] as const;
