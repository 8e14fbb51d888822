// The only serializer used for package files: one `yaml` stringify with fixed options, so the same
// objects always give the same bytes.
import { stringify } from 'yaml';

export function toYaml(doc: unknown): string {
  return stringify(doc, { lineWidth: 0, minContentWidth: 0, aliasDuplicateObjects: false });
}
