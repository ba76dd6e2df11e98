import { renderAsync } from '@resvg/resvg-js';
import { FONTS } from './fonts';

/**
 * An SVG drawn as a PNG, for platforms that show images only as bitmaps (Slack, LINE, LINE
 * WORKS). resvg (Rust, prebuilt for each platform in its npm package) with the bundled Japanese
 * font only: the picture is the same on every machine. `scale` 2 keeps text sharp on phones.
 * Drawing runs on libuv's thread pool (about 0.7 s for the indicator chart on a shared 2-core
 * machine); only the PNG encoding (about 0.15 s) holds the event loop.
 */
export async function svgToPng(svg: string, scale = 2): Promise<Buffer> {
  const image = await renderAsync(svg, {
    fitTo: { mode: 'zoom', value: scale },
    font: {
      fontFiles: [FONTS.regular, FONTS.bold],
      loadSystemFonts: false,
      defaultFontFamily: FONTS.family,
      sansSerifFamily: FONTS.family,
    },
    background: '#ffffff',
  });
  return image.asPng();
}
