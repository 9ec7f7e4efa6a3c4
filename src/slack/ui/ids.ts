/** Every callback_id, block_id and action_id the bot's UI uses. Listeners match on these. */

// The capture modal.
export const CAPTURE_MODAL = 'capture_modal';

export const INTRO_BLOCK = 'capture_intro';
export const NOTICE_BLOCK = 'capture_notice';
export const QUOTA_BLOCK = 'capture_quota';

export const DEVICES_BLOCK = 'capture_devices';
/** The devices' external select: the options (block_suggestion) listener matches on it. */
export const DEVICES_ACTION = 'capture_devices_select';

export const TYPES_BLOCK = 'capture_types';
export const TYPES_ACTION = 'capture_types_select';

export const PCAP_TIME_BLOCK = 'capture_pcap_time';
export const PCAP_TIME_ACTION = 'capture_pcap_time_input';
export const PCAP_SIZE_BLOCK = 'capture_pcap_size';
export const PCAP_SIZE_ACTION = 'capture_pcap_size_input';
export const PCAP_PACKET_BLOCK = 'capture_pcap_packet';
export const PCAP_PACKET_ACTION = 'capture_pcap_packet_input';

export const WARP_ROUTES_BLOCK = 'capture_warp_routes';
export const WARP_ROUTES_ACTION = 'capture_warp_routes_select';
/** The value of the "Test all routes" checkbox. */
export const TEST_ALL_ROUTES_VALUE = 'test_all_routes';

export const CHANNEL_BLOCK = 'capture_channel';
export const CHANNEL_ACTION = 'capture_channel_select';

// The status message.
export const STATUS_HEADER_BLOCK = 'capture_status_header';
export const STATUS_NOTE_BLOCK = 'capture_status_note';
export const STATUS_FOOTER_BLOCK = 'capture_status_footer';
export const STATUS_ACTIONS_BLOCK = 'capture_status_actions';
/** Button: open the modal again with the same devices and options. Value: the request id. */
export const RUN_AGAIN_ACTION = 'capture_run_again';
/** Button: stop following a request (the API has no cancel). Value: the request id. */
export const STOP_WATCHING_ACTION = 'capture_stop_watching';
