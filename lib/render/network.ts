// network-attachment-def.yaml: one Multus NetworkAttachmentDefinition per declared interface, with
// the CNI config (macvlan, ipvlan or SR-IOV) and its IPAM: static for the interface's own addresses
// (ipv4, ipv6 or both: dual-stack), whereabouts for an address pool (ipPool). An interface's mtu is
// the plugin's own for macvlan/ipvlan; SR-IOV CNI takes the VF's, so a chained tuning plugin sets it.
import type { IPPool, NetworkInterface, StaticAddress } from '../types.ts';
import { containsIP, hostCIDR, parseCIDR, parseIP } from '../ip.ts';
import type { Obj, Scope } from './scope.ts';
import { toYaml } from './yaml.ts';

const RESOURCE_NAME_ANNOTATION = 'k8s.v1.cni.cncf.io/resourceName';

export function nadName(name: string, iface: NetworkInterface): string {
  return `${name}-${iface.name}`;
}

/** The interface has addresses of its own (one pod only: see the CRD's replicas rule). */
export const hasStaticAddress = (iface: NetworkInterface): boolean =>
  iface.ipv4 !== undefined || iface.ipv6 !== undefined;

const staticEntry = (a: StaticAddress): Obj => ({
  address: a.address,
  ...(a.gateway !== undefined ? { gateway: a.gateway } : {}),
});

/**
 * whereabouts IPAM for a pool: range, gateway and exclude as whereabouts reads them (one range:
 * every whereabouts release takes this form). whereabouts hands out the lowest free address and
 * does not skip the gateway, so the gateway is excluded here unless an exclude already covers it.
 */
function whereabouts(pool: IPPool): Obj {
  const exclude = [...(pool.exclude ?? [])];
  const gw = pool.gateway === undefined ? undefined : parseIP(pool.gateway);
  if (pool.gateway !== undefined) {
    const covered = exclude.some((e) => {
      const c = parseCIDR(e);
      return c !== undefined && gw !== undefined && containsIP(c, gw);
    });
    if (!covered) exclude.push(hostCIDR(pool.gateway));
  }
  return {
    type: 'whereabouts',
    range: pool.range,
    ...(pool.gateway !== undefined ? { gateway: pool.gateway } : {}),
    ...(exclude.length > 0 ? { exclude } : {}),
  };
}

function ipamOf(iface: NetworkInterface): Obj | undefined {
  if (iface.ipPool !== undefined) return whereabouts(iface.ipPool);
  const addresses = [iface.ipv4, iface.ipv6].flatMap((a) => (a === undefined ? [] : [staticEntry(a)]));
  return addresses.length > 0 ? { type: 'static', addresses } : undefined;
}

/** Multus CNI config (a conflist JSON string), per docs/api.md and domain.md. */
export function cniConfig(name: string, iface: NetworkInterface): string {
  const ipam = ipamOf(iface);
  const plugins: Obj[] = [];
  if (iface.cniType === 'sriov') {
    plugins.push({
      type: 'sriov',
      ...(iface.vlanID !== undefined ? { vlan: iface.vlanID } : {}),
      ...(ipam ? { ipam } : {}),
    });
    if (iface.mtu !== undefined) plugins.push({ type: 'tuning', mtu: iface.mtu });
  } else {
    const master =
      iface.master !== undefined && iface.vlanID !== undefined
        ? `${iface.master}.${iface.vlanID}`
        : iface.master;
    plugins.push({
      type: iface.cniType,
      capabilities: { ips: true },
      ...(master !== undefined ? { master } : {}),
      mode: iface.cniType === 'macvlan' ? 'bridge' : 'l2',
      ...(iface.mtu !== undefined ? { mtu: iface.mtu } : {}),
      ...(ipam ? { ipam } : {}),
    });
  }
  return JSON.stringify({ cniVersion: '0.3.1', name: nadName(name, iface), plugins });
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
