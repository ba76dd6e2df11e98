import { Resvg } from '@resvg/resvg-js';
import { FONTS } from './fonts';

/**
 * An SVG drawn as a PNG, for platforms that show images only as bitmaps (Slack, LINE, LINE
 * WORKS). resvg (Rust, prebuilt for each platform in its npm package) with the bundled Japanese
 * font only: the picture is the same on every machine. `scale` 2 keeps text sharp on phones.
 */
export function svgToPng(svg: string, scale = 2): Buffer {
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: scale },
    font: { fontFiles: [FONTS.regular, FONTS.bold], loadSystemFonts: false, defaultFontFamily: FONTS.family, sansSerifFamily: FONTS.family },
    background: '#ffffff',
  });
  return resvg.render().asPng();
}
