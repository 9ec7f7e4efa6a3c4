import type { JsonObject } from './types.js';
import type { StateValues } from './view-state.js';

/*
 * Builders for `state.values` entries, for driver.submitView():
 *   user.submitView(viewId, values.merge(
 *     values.multiExternal('devices', 'device_search', [{ text: 'alice-mbp', value: 'dev-1' }]),
 *     values.checkboxes('types', 'capture_types', ['pcap']),
 *     values.number('duration', 'minutes', 5),
 *   ));
 */

/** An option as the user picked it: a bare value (shown as its own text) or text + value. */
export type PickedOption = string | { text: string; value: string };

function option(picked: PickedOption): JsonObject {
  const { text, value } = typeof picked === 'string' ? { text: picked, value: picked } : picked;
  return { text: { type: 'plain_text', text, emoji: true }, value };
}

const one = (blockId: string, actionId: string, value: JsonObject): StateValues => ({
  [blockId]: { [actionId]: value },
});

export const values = {
  multiExternal: (blockId: string, actionId: string, picked: PickedOption[]) =>
    one(blockId, actionId, { type: 'multi_external_select', selected_options: picked.map(option) }),
  external: (blockId: string, actionId: string, picked: PickedOption | null) =>
    one(blockId, actionId, { type: 'external_select', selected_option: picked === null ? null : option(picked) }),
  multiStatic: (blockId: string, actionId: string, picked: PickedOption[]) =>
    one(blockId, actionId, { type: 'multi_static_select', selected_options: picked.map(option) }),
  staticSelect: (blockId: string, actionId: string, picked: PickedOption | null) =>
    one(blockId, actionId, { type: 'static_select', selected_option: picked === null ? null : option(picked) }),
  radio: (blockId: string, actionId: string, picked: PickedOption | null) =>
    one(blockId, actionId, { type: 'radio_buttons', selected_option: picked === null ? null : option(picked) }),
  checkboxes: (blockId: string, actionId: string, picked: PickedOption[]) =>
    one(blockId, actionId, { type: 'checkboxes', selected_options: picked.map(option) }),
  /** number_input submits a string (or null when empty), whatever was typed. */
  number: (blockId: string, actionId: string, value: number | string | null) =>
    one(blockId, actionId, { type: 'number_input', value: value === null ? null : String(value) }),
  text: (blockId: string, actionId: string, value: string | null) =>
    one(blockId, actionId, { type: 'plain_text_input', value }),
  conversations: (blockId: string, actionId: string, ids: string[]) =>
    one(blockId, actionId, { type: 'multi_conversations_select', selected_conversations: ids }),
  conversation: (blockId: string, actionId: string, id: string | null) =>
    one(blockId, actionId, { type: 'conversations_select', selected_conversation: id }),
  users: (blockId: string, actionId: string, ids: string[]) =>
    one(blockId, actionId, { type: 'multi_users_select', selected_users: ids }),
  merge(...parts: StateValues[]): StateValues {
    const merged: StateValues = {};
    for (const part of parts) {
      for (const [blockId, actions] of Object.entries(part)) merged[blockId] = { ...merged[blockId], ...actions };
    }
    return merged;
  },
};
