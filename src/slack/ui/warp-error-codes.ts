import { isKnownWarpErrorCode, type WarpErrorCode } from '../../digest/warp/error-codes.js';

/** What a WARP client error code means, and what a helpdesk agent should try first: one line each. */
export interface WarpErrorWording {
  meaning: string;
  nextStep: string;
}

/** Every code of the fact table has its wording: the type will not compile with one missing. */
export const WARP_ERROR_WORDING: Readonly<Record<WarpErrorCode, WarpErrorWording>> = {
  CF_CAPTIVE_PORTAL_TIMED_OUT: {
    meaning: 'The network asked for a sign-in page (hotel, airport, café) and nobody finished it in time.',
    nextStep: 'Have the user open a browser and complete the network’s sign-in, then turn WARP back on.',
  },
  CF_CONNECTIVITY_FAILURE_UNKNOWN: {
    meaning: 'WARP could not connect and could not tell why.',
    nextStep: 'Collect a fresh diagnostics bundle and a packet capture, and look at daemon.log around the failure.',
  },
  CF_DNS_LOOKUP_FAILURE: {
    meaning: 'The device could not look up the Cloudflare names WARP needs to connect.',
    nextStep: 'Check the network’s DNS: ask whether other sites resolve, and whether a firewall filters DNS.',
  },
  CF_DNS_PROXY_FAILURE: {
    meaning: 'WARP’s local DNS service could not start: another program holds port 53 on the device.',
    nextStep: 'Find what listens on port 53 (another VPN, a local DNS server, Docker) and stop it or reconfigure it.',
  },
  CF_FAILED_READ_SYSTEM_DNS_CONFIG: {
    meaning: 'WARP could not read the device’s own DNS settings.',
    nextStep: 'Check the DNS configuration of the device (resolv.conf or the network adapter) for damage or locks.',
  },
  CF_FAILED_TO_SET_MTLS: {
    meaning: 'WARP could not install the device certificate used to prove the device is managed.',
    nextStep: 'Check that the certificate is deployed to the device and that WARP may read it.',
  },
  CF_HAPPY_EYEBALLS_MITM_FAILURE: {
    meaning: 'The tunnel’s first handshake got no answer: something on the way blocks or tampers with its UDP traffic.',
    nextStep: 'Try another network; ask whoever runs this one to allow UDP to Cloudflare’s WARP endpoints.',
  },
  CF_HOST_UNREACHABLE_CHECK: {
    meaning: 'WARP’s connectivity check could not reach Cloudflare through this network.',
    nextStep: 'Check the network’s firewall for rules blocking Cloudflare’s WARP addresses and ports.',
  },
  CF_INSUFFICIENT_DISK: {
    meaning: 'The device is running out of disk space, so WARP cannot write what it needs.',
    nextStep: 'Free some disk space on the device, then reconnect WARP.',
  },
  CF_INSUFFICIENT_FILE_DESCRIPTORS: {
    meaning: 'The device ran out of open-file handles, so WARP could not open new connections.',
    nextStep: 'Close programs that hold many connections or raise the system’s open-file limit, then restart WARP.',
  },
  CF_INSUFFICIENT_MEMORY: {
    meaning: 'The device did not have enough free memory for WARP to run.',
    nextStep: 'Close heavy programs or restart the device, then reconnect WARP.',
  },
  CF_LOCAL_POLICY_FILE_FAILED_TO_PARSE: {
    meaning: 'The WARP settings file deployed on the device (mdm.xml or similar) is malformed.',
    nextStep: 'Check the deployed settings file for syntax errors and push a corrected one.',
  },
  CF_NO_NETWORK: {
    meaning: 'The device had no working network connection at all.',
    nextStep: 'Check that the device is on Wi-Fi or Ethernet and can reach the internet without WARP.',
  },
  CF_REGISTRATION_MISSING: {
    meaning: 'The device is not enrolled with the organisation, or its enrolment was revoked.',
    nextStep: 'Have the user re-enrol the device in the Zero Trust organisation.',
  },
  CF_TLS_INTERCEPTION_BLOCKING_DOH: {
    meaning: 'A proxy or security product inspects TLS and breaks WARP’s encrypted DNS.',
    nextStep: 'Exempt Cloudflare’s DNS-over-HTTPS hosts from TLS inspection, or trust its certificate where needed.',
  },
  CF_TLS_INTERCEPTION_CHECK: {
    meaning: 'Something between the device and Cloudflare intercepts TLS connections.',
    nextStep: 'Look for a security product or proxy on the device or network that inspects TLS, and exempt WARP.',
  },
};

/** The wording for any `CF_…` code: its own for a documented one, a general line for one Cloudflare has not listed. */
export function warpErrorWording(code: string): WarpErrorWording {
  if (isKnownWarpErrorCode(code)) return WARP_ERROR_WORDING[code];
  return {
    meaning: 'A WARP client error this bot does not know yet.',
    nextStep: 'Look it up in Cloudflare’s list of WARP client errors and read daemon.log around its last time.',
  };
}
