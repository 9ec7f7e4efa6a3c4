import { randomUUID } from 'node:crypto';
import { SeededRandom } from './random.js';

export type DevicePlatform = 'windows' | 'macos' | 'linux' | 'ios' | 'android' | 'chromeos';

/**
 * How a device answers commands: 'offline' never runs them (FAILED after the 10-minute timeout), 'fails' fails
 * soon after starting, 'partial-pcap' reports SUCCESS with the tunnel capture missing from results.json.
 */
export type DeviceBehaviour = 'normal' | 'offline' | 'fails' | 'partial-pcap';

/**
 * What the device's WARP client is like, as its diagnostics bundle and Cloudflare's analysis of it show:
 * - 'healthy': connected, every connectivity and DNS check passes, the logs name at most a CF_NO_NETWORK or two
 *   (a laptop that slept);
 * - 'broken': one common failure, picked per command (seeded): another program holds the local DNS proxy's port,
 *   UDP to the tunnel is blocked on the way, a captive portal nobody logged into, or TLS inspection in the way of
 *   DNS over HTTPS; its CF_… codes repeat in the logs from when it began, the status and checks agree.
 * About one seeded device in seven is 'broken'; added devices are 'healthy' unless told otherwise.
 */
export const WARP_CLIENT_HEALTH = ['healthy', 'broken'] as const;
export type WarpClientHealth = (typeof WARP_CLIENT_HEALTH)[number];

/** One row of the devices endpoint: a registration. Multi-user devices have one row per registration. */
export interface SimDevice {
  readonly deviceId: string;
  readonly deviceName: string;
  readonly registrationId: string;
  readonly personEmail: string;
  readonly platform: DevicePlatform;
  readonly version: string;
  /** Network status as the devices endpoint reports it. */
  readonly status: 'connected' | 'disconnected';
  readonly eligible: boolean;
  /** '' when eligible; otherwise the text the devices endpoint and create errors show. */
  readonly ineligibleReason: string;
  readonly behaviour: DeviceBehaviour;
  /** What its WARP diagnostics bundle shows (see WarpClientHealth). */
  readonly warpClient: WarpClientHealth;
  /** True when the same deviceId has more than one registration (registration_id then required on create). */
  readonly multiUser: boolean;
  /** The `timestamp` field is the simulated now minus this, so devices always look recently connected. */
  readonly lastSeenSecondsAgo: number;
}

export type NewSimDevice = Partial<Omit<SimDevice, 'multiUser'>>;

type MutableDevice = { -readonly [K in keyof SimDevice]: SimDevice[K] };

export const MINIMUM_WARP_VERSION = '2024.12.492.0';
export const UNSUPPORTED_PLATFORM_REASON = 'Platform not supported';
export const DNS_ONLY_REASON = 'Device is in an unsupported mode (DNS only)';
const CAPTURE_PLATFORMS: readonly DevicePlatform[] = ['windows', 'macos', 'linux'];

export function oldWarpReason(version: string): string {
  return `WARP client version ${version} is below the minimum ${MINIMUM_WARP_VERSION}`;
}

/** Eligibility as the docs describe it: desktop platforms only, WARP at or above the minimum version. */
export function eligibilityFor(platform: DevicePlatform, version: string): { eligible: boolean; reason: string } {
  if (!CAPTURE_PLATFORMS.includes(platform)) return { eligible: false, reason: UNSUPPORTED_PLATFORM_REASON };
  if (compareVersions(version, MINIMUM_WARP_VERSION) < 0) return { eligible: false, reason: oldWarpReason(version) };
  return { eligible: true, reason: '' };
}

function compareVersions(a: string, b: string): number {
  const left = a.split('.').map(Number);
  const right = b.split('.').map(Number);
  for (let i = 0; i < Math.max(left.length, right.length); i++) {
    const difference = (left[i] ?? 0) - (right[i] ?? 0);
    if (difference !== 0) return Number.isNaN(difference) ? 0 : Math.sign(difference);
  }
  return 0;
}

/** The fleet: rows in a stable order, an index by deviceId, and a lower-cased haystack per row for search. */
export class Fleet {
  private readonly rows: MutableDevice[] = [];
  private readonly haystacks: string[] = [];
  private readonly byDeviceId = new Map<string, MutableDevice[]>();
  private addedCount = 0;

  static seeded(size: number, seed: number): Fleet {
    const fleet = new Fleet();
    for (const device of generateFleet(size, seed)) fleet.insert(device);
    return fleet;
  }

  all(): readonly SimDevice[] {
    return this.rows;
  }

  registrationsOf(deviceId: string): readonly SimDevice[] {
    return this.byDeviceId.get(deviceId) ?? [];
  }

  /** Case-insensitive substring match on device name or email, as the devices endpoint's `search` does. */
  search(term: string | undefined): readonly SimDevice[] {
    const needle = term?.trim().toLowerCase();
    if (!needle) return this.rows;
    const matches: SimDevice[] = [];
    for (let i = 0; i < this.rows.length; i++) {
      const row = this.rows[i];
      if (row && this.haystacks[i]?.includes(needle)) matches.push(row);
    }
    return matches;
  }

  /** Adds a registration; reusing an existing deviceId makes that device multi-user. */
  add(partial: NewSimDevice): SimDevice {
    this.addedCount += 1;
    const n = this.addedCount;
    const platform = partial.platform ?? 'windows';
    const version = partial.version ?? '2025.6.1335.0';
    const derived = eligibilityFor(platform, version);
    const eligible = partial.eligible ?? derived.eligible;
    const device: MutableDevice = {
      deviceId: partial.deviceId ?? randomUUID(),
      deviceName: partial.deviceName ?? `SIM-DEVICE-${n}`,
      registrationId: partial.registrationId ?? randomUUID(),
      personEmail: partial.personEmail ?? `sim.user${n}@example.com`,
      platform,
      version,
      status: partial.status ?? (partial.behaviour === 'offline' ? 'disconnected' : 'connected'),
      eligible,
      ineligibleReason: partial.ineligibleReason ?? (eligible ? '' : derived.reason || 'Device is not eligible'),
      behaviour: partial.behaviour ?? 'normal',
      warpClient: partial.warpClient ?? 'healthy',
      multiUser: false,
      lastSeenSecondsAgo: partial.lastSeenSecondsAgo ?? 60,
    };
    const existing = this.byDeviceId.get(device.deviceId) ?? [];
    if (existing.some((row) => row.registrationId === device.registrationId)) {
      throw new Error(`registration ${device.registrationId} already exists on device ${device.deviceId}`);
    }
    this.insert(device);
    return device;
  }

  private insert(device: MutableDevice): void {
    this.rows.push(device);
    this.haystacks.push(`${device.deviceName}\u0000${device.personEmail}`.toLowerCase());
    const registrations = this.byDeviceId.get(device.deviceId);
    if (!registrations) {
      this.byDeviceId.set(device.deviceId, [device]);
      return;
    }
    registrations.push(device);
    for (const registration of registrations) registration.multiUser = true;
  }
}

/** When the device was last seen: always recently, relative to the simulated now. */
export function lastSeenMs(device: SimDevice, nowMs: number): number {
  return nowMs - device.lastSeenSecondsAgo * 1000;
}

/** `timestamp` in the devices endpoint's (not quite RFC3339) format, e.g. "2026-11-25 14:02:00+00". */
export function deviceTimestamp(device: SimDevice, nowMs: number): string {
  const iso = new Date(lastSeenMs(device, nowMs)).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}+00`;
}

const FIRST_NAMES = [
  'alice',
  'bob',
  'carol',
  'dave',
  'erin',
  'frank',
  'grace',
  'heidi',
  'ivan',
  'judy',
  'mallory',
  'niaj',
  'olivia',
  'peggy',
  'rupert',
  'sybil',
  'trent',
  'victor',
  'walter',
  'wendy',
  'aisha',
  'bruno',
  'chen',
  'dmitri',
  'elena',
  'fatima',
  'gustavo',
  'hiro',
  'ingrid',
  'jamal',
  'kenji',
  'lucia',
  'mateo',
  'nadia',
  'omar',
  'priya',
  'quinn',
  'rosa',
  'sanjay',
  'tomas',
  'uma',
  'valeria',
  'wei',
  'ximena',
  'yusuf',
  'zoe',
] as const;
const LAST_NAMES = [
  'nguyen',
  'smith',
  'garcia',
  'muller',
  'rossi',
  'kim',
  'patel',
  'silva',
  'cohen',
  'okafor',
  'tanaka',
  'novak',
  'jensen',
  'dubois',
  'kowalski',
  'haddad',
  'larsen',
  'moreau',
  'ivanova',
  'santos',
  'osei',
  'fischer',
  'lopez',
  'yamamoto',
  'brown',
  'singh',
  'ali',
  'costa',
  'weber',
  'hansen',
] as const;
const DESKTOP_VERSIONS = [
  '2025.1.861.0',
  '2025.2.600.0',
  '2025.4.929.0',
  '2025.5.893.0',
  '2025.6.1335.0',
  '2025.9.558.0',
];
const OLD_VERSIONS = ['2024.6.415.0', '2024.9.346.0', '2024.11.309.0'];
const MOBILE_VERSIONS = ['2025.3.0', '2025.5.1', '6.38'];

// Mostly desktops; the few phones and Chromebooks are there to show "Platform not supported".
const PLATFORM_WEIGHTS: readonly (readonly [DevicePlatform, number])[] = [
  ['windows', 0.45],
  ['macos', 0.35],
  ['linux', 0.12],
  ['ios', 0.03],
  ['android', 0.03],
  ['chromeos', 0.02],
];
const BEHAVIOUR_WEIGHTS: readonly (readonly [DeviceBehaviour, number])[] = [
  ['offline', 0.05],
  ['fails', 0.03],
  ['partial-pcap', 0.04],
  ['normal', 0.88],
];

function weighted<T>(random: SeededRandom, weights: readonly (readonly [T, number])[]): T {
  let roll = random.next();
  for (const [value, weight] of weights) {
    if (roll < weight) return value;
    roll -= weight;
  }
  const last = weights.at(-1);
  if (!last) throw new Error('weighted pick from an empty table');
  return last[0];
}

interface Person {
  email: string;
  first: string;
}

/** Seeds `size` registrations. Proportions are rough guesses at a real fleet; the exact mix is not a contract. */
function generateFleet(size: number, seed: number): MutableDevice[] {
  const random = new SeededRandom(seed);
  const devices: MutableDevice[] = [];
  const emailCounts = new Map<string, number>();
  const nameCounts = new Map<string, number>();
  const counters = { laptop: 0, linux: 0, mobile: 0 };
  let previous: Person | undefined;

  const newPerson = (): Person => {
    const first = random.pick(FIRST_NAMES);
    const base = `${first}.${random.pick(LAST_NAMES)}`;
    const seen = emailCounts.get(base) ?? 0;
    emailCounts.set(base, seen + 1);
    return { first, email: `${base}${seen === 0 ? '' : seen + 1}@example.com` };
  };
  const uniqueName = (name: string): string => {
    const seen = nameCounts.get(name) ?? 0;
    nameCounts.set(name, seen + 1);
    return seen === 0 ? name : `${name}-${seen + 1}`;
  };
  const nameFor = (platform: DevicePlatform, person: Person): string => {
    const first = person.first.toUpperCase();
    switch (platform) {
      case 'windows':
        counters.laptop += 1;
        return random.next() < 0.6
          ? `LAPTOP-${counters.laptop}`
          : uniqueName(`DESKTOP-${random.uuid().slice(0, 7).toUpperCase()}`);
      case 'macos':
        return uniqueName(random.next() < 0.7 ? `MBP-${first}` : `${person.first}s-MacBook-Air`);
      case 'linux':
        counters.linux += 1;
        return `${random.pick(['ubuntu-dev', 'fedora-ws', 'debian-build', 'arch'])}-${String(counters.linux).padStart(2, '0')}`;
      case 'ios':
        return uniqueName(`iPhone-${first}`);
      case 'android':
        counters.mobile += 1;
        return `Pixel-8-${counters.mobile}`;
      case 'chromeos':
        counters.mobile += 1;
        return `CHROMEBOOK-${counters.mobile}`;
    }
  };

  while (devices.length < size) {
    const platform = weighted(random, PLATFORM_WEIGHTS);
    const desktop = CAPTURE_PLATFORMS.includes(platform);
    // Some people own two devices (a laptop and a phone), so an email search can return several rows.
    const person = previous && random.next() < 0.1 ? previous : newPerson();
    previous = person;
    // About 4% of desktops run a WARP client below the minimum version, 3% run in DNS-only mode.
    const desktopRoll = random.next();
    const version = !desktop
      ? random.pick(MOBILE_VERSIONS)
      : desktopRoll < 0.04
        ? random.pick(OLD_VERSIONS)
        : random.pick(DESKTOP_VERSIONS);
    const dnsOnly = desktop && desktopRoll >= 0.04 && desktopRoll < 0.07;
    const { eligible, reason } = dnsOnly
      ? { eligible: false, reason: DNS_ONLY_REASON }
      : eligibilityFor(platform, version);
    const behaviour: DeviceBehaviour = eligible ? weighted(random, BEHAVIOUR_WEIGHTS) : 'normal';
    const deviceId = random.uuid();
    // From the id, not another draw: the rest of the seeded fleet stays as it was before this knob existed.
    const warpClient: WarpClientHealth = Number.parseInt(deviceId.slice(0, 2), 16) < 37 ? 'broken' : 'healthy';
    const deviceName = nameFor(platform, person);
    // Shared Windows/Linux machines (labs, kiosks) carry one registration per signed-in user.
    const registrations =
      (platform === 'windows' || platform === 'linux') && random.next() < 0.04 ? random.int(2, 3) : 1;
    const lastSeenSecondsAgo = behaviour === 'offline' ? random.int(1200, 3300) : random.int(5, 900);
    for (let r = 0; r < registrations && devices.length < size; r++) {
      devices.push({
        deviceId,
        deviceName,
        registrationId: random.uuid(),
        personEmail: r === 0 ? person.email : newPerson().email,
        platform,
        version,
        status: behaviour === 'offline' ? 'disconnected' : 'connected',
        eligible,
        ineligibleReason: reason,
        behaviour,
        warpClient,
        multiUser: false,
        lastSeenSecondsAgo,
      });
    }
  }
  return devices;
}
