import type { CaptureInterface } from './pcap.js';

/** What a simulated device's files say about its operating system and interfaces. */
export interface PlatformProfile {
  /** As platform.txt of a real bundle writes it. */
  readonly name: string;
  readonly os: string;
  /** sysinfo.json's `distribution_id`. */
  readonly distribution: string;
  readonly kernel: string;
  readonly arch: string;
  readonly physicalInterface: string;
  readonly tunnelInterface: string;
  /** The WARP version when the device row does not say (a spec built without one). */
  readonly warpVersion: string;
  /** What binding the local DNS proxy's port says when another program holds it. */
  readonly addressInUse: string;
  readonly captureErrors: Readonly<Record<CaptureInterface, string>>;
}

const PLATFORM_PROFILES: Readonly<Record<'windows' | 'macos' | 'linux', PlatformProfile>> = {
  windows: {
    name: 'windows',
    os: 'Microsoft Windows 11 Pro 10.0.22631 (build 22631)',
    distribution: 'windows',
    kernel: '22631',
    arch: 'x86_64',
    physicalInterface: 'Wi-Fi',
    tunnelInterface: 'CloudflareWARP',
    warpVersion: '2025.5.893.0',
    addressInUse: 'Only one usage of each socket address is normally permitted. (os error 10048)',
    captureErrors: {
      default: 'pktmon: failed to start capture on Wi-Fi (0x80070005)',
      tunnel: 'pktmon: no adapters matched',
    },
  },
  macos: {
    name: 'macOS',
    os: 'macOS 14.5 (23F79)',
    distribution: 'macos',
    kernel: '23.5.0',
    arch: 'arm64',
    physicalInterface: 'en0',
    tunnelInterface: 'utun4',
    warpVersion: '2025.5.893.0',
    addressInUse: 'Address already in use (os error 48)',
    captureErrors: {
      default: "tcpdump: en0: You don't have permission to capture on that device",
      tunnel: 'tcpdump: utun4: No such device exists',
    },
  },
  linux: {
    name: 'linux',
    os: 'Ubuntu 22.04.4 LTS (Linux 6.5.0-41-generic)',
    distribution: 'ubuntu',
    kernel: '6.5.0-41-generic',
    arch: 'x86_64',
    physicalInterface: 'wlp2s0',
    tunnelInterface: 'CloudflareWARP',
    warpVersion: '2025.5.893.0',
    addressInUse: 'Address already in use (os error 98)',
    captureErrors: {
      default: 'tcpdump: wlp2s0: That device is not up',
      tunnel: 'tcpdump: CloudflareWARP: No such device exists',
    },
  },
};

export function platformProfile(platform: string): PlatformProfile {
  return platform === 'windows' || platform === 'macos' ? PLATFORM_PROFILES[platform] : PLATFORM_PROFILES.linux;
}
