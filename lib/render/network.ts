// network-attachment-def.yaml: one Multus NetworkAttachmentDefinition per declared interface, with
// the CNI config (macvlan, ipvlan or SR-IOV) and static IPAM when an address is given.
import type { NetworkInterface } from '../types.ts';
import type { Obj, Scope } from './scope.ts';
import { toYaml } from './yaml.ts';

const RESOURCE_NAME_ANNOTATION = 'k8s.v1.cni.cncf.io/resourceName';

export function nadName(name: string, iface: NetworkInterface): string {
  return `${name}-${iface.name}`;
}

/** Multus CNI config (a conflist JSON string), per docs/api.md and domain.md. */
export function cniConfig(name: string, iface: NetworkInterface): string {
  const ipam = iface.ipv4
    ? {
        type: 'static',
        addresses: [
          {
            address: iface.ipv4.address,
            ...(iface.ipv4.gateway !== undefined ? { gateway: iface.ipv4.gateway } : {}),
          },
        ],
      }
    : undefined;
  let plugin: Obj;
  if (iface.cniType === 'sriov') {
    plugin = {
      type: 'sriov',
      ...(iface.vlanID !== undefined ? { vlan: iface.vlanID } : {}),
      ...(ipam ? { ipam } : {}),
    };
  } else {
    const master =
      iface.master !== undefined && iface.vlanID !== undefined
        ? `${iface.master}.${iface.vlanID}`
        : iface.master;
    plugin = {
      type: iface.cniType,
      capabilities: { ips: true },
      ...(master !== undefined ? { master } : {}),
      mode: iface.cniType === 'macvlan' ? 'bridge' : 'l2',
      ...(ipam ? { ipam } : {}),
    };
  }
  return JSON.stringify({ cniVersion: '0.3.1', name: nadName(name, iface), plugins: [plugin] });
}

/** The NADs as one multi-document YAML file; undefined without interfaces. */
export function networkAttachmentsYaml(s: Scope): string | undefined {
  if (s.interfaces.length === 0) return undefined;
  return s.interfaces
    .map((i) =>
      toYaml({
        apiVersion: 'k8s.cni.cncf.io/v1',
        kind: 'NetworkAttachmentDefinition',
        metadata: s.meta(
          nadName(s.name, i),
          i.cniType === 'sriov' && i.master !== undefined
            ? { [RESOURCE_NAME_ANNOTATION]: i.master }
            : undefined,
        ),
        spec: { config: cniConfig(s.name, i) },
      }),
    )
    .join('---\n');
}
