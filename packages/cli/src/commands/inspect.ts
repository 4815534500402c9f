import { image, type ref } from '@s3lo/core';
import type { InspectResult } from '@s3lo/core/image';
import { readBucketImage } from '../args/values.js';
import { shortDigest } from '../output/digests.js';
import { formatBytes } from '../output/sizes.js';
import { keyValues, table } from '../output/table.js';
import { defineBehaviour } from './command.js';
import { needsOf } from './needs.js';

interface InspectPlan {
  readonly reference: ref.BucketImageReference;
}

export const inspect = defineBehaviour<InspectPlan, InspectResult>({
  prepare: ({ positionals }) => ({ reference: readBucketImage(positionals[0] ?? '', 'image') }),
  needs: (plan) => needsOf([plan.reference]),
  run: (plan, { signal, registry, backendOptions }) => image.inspect(plan.reference, { signal, registry, backendOptions }),
  text: (info) => {
    const header: [string, string][] = [
      ['Reference', info.reference],
      ['Digest', info.digest],
      ['Media type', info.mediaType],
      ['Tags', info.tags.join(', ') || '-'],
      ['Size', formatBytes(info.totalSize)],
    ];
    if (info.childOf !== undefined) header.push(['Child of', info.childOf.join(', ')]);
    if (info.config !== undefined) header.push(['Config', `${shortDigest(info.config.digest)}  ${formatBytes(info.config.size)}`]);
    let out = keyValues(header);
    if (!info.isIndex) {
      out += '\n';
      out += table(
        ['LAYER', 'SIZE', 'MEDIA TYPE'],
        info.layers.map((l) => [shortDigest(l.digest), formatBytes(l.size), l.mediaType]),
      );
    } else {
      out += '\n';
      out += table(
        ['PLATFORM', 'DIGEST', 'LAYERS', 'SIZE'],
        info.platforms.map((p) => [p.attestation ? `${p.platform} (attestation)` : p.platform, shortDigest(p.digest), String(p.layers.length), formatBytes(p.totalSize)]),
      );
    }
    return out;
  },
});
