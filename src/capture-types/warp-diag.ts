import { WarpBundleReader } from '../digest/warp/reader.js';
import { ZipTap } from '../digest/zip-tap.js';
import { defineCaptureType } from './descriptor.js';

export const warpDiag = defineCaptureType({
  type: 'warp-diag',
  label: 'WARP diagnostics',
  short: 'WARP diagnostics',
  description: 'Logs from the past 96 hours',
  slug: 'warp',
  usedFor: 'WARP diagnostics',
  options: {
    testAllRoutes: {
      kind: 'flag',
      id: 'routes',
      wireKey: 'test-all-routes',
      label: 'WARP diagnostics',
      text: 'Test all routes',
      hint: 'Testing all routes takes longer to finish.',
      // The spec's default.
      default: true,
    },
  },
  summary: (o) => `WARP diagnostics: test all routes ${o.testAllRoutes ? 'on' : 'off'}`,
  artifact: {
    file: 'always',
    // warp-status.txt, warp-settings.txt, the daemon logs and the checks, read as the zip streams.
    reader({ fileName }) {
      const bundle = new WarpBundleReader(fileName);
      const stream = new ZipTap((name) => bundle.entry(name));
      return { stream, interfaces: () => null, digest: () => bundle.digest(stream.problems()) };
    },
    cloudflareAnalysis: true,
  },
});
