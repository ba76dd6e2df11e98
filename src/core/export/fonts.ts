import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/**
 * BIZ UDPGothic (Morisawa's universal-design gothic, SIL OFL), from an npm package so that every
 * machine draws and embeds the same glyphs, whatever fonts the system has.
 */
export const FONTS = {
  family: 'BIZ UDPGothic',
  regular: require.resolve('@expo-google-fonts/biz-udpgothic/400Regular/BIZUDPGothic_400Regular.ttf'),
  bold: require.resolve('@expo-google-fonts/biz-udpgothic/700Bold/BIZUDPGothic_700Bold.ttf'),
};
