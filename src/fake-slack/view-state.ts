import type { JsonObject } from './types.js';

/** `view.state.values`: block_id → action_id → the element's value, in Slack's shape. */
export type StateValues = Record<string, Record<string, JsonObject>>;

/** Where an element's submitted value goes, and the element field that gives its initial value. */
const VALUE_FIELDS: Record<string, [field: string, initial: string, empty: unknown]> = {
  plain_text_input: ['value', 'initial_value', null],
  number_input: ['value', 'initial_value', null],
  email_text_input: ['value', 'initial_value', null],
  url_text_input: ['value', 'initial_value', null],
  static_select: ['selected_option', 'initial_option', null],
  external_select: ['selected_option', 'initial_option', null],
  radio_buttons: ['selected_option', 'initial_option', null],
  multi_static_select: ['selected_options', 'initial_options', []],
  multi_external_select: ['selected_options', 'initial_options', []],
  checkboxes: ['selected_options', 'initial_options', []],
  users_select: ['selected_user', 'initial_user', null],
  multi_users_select: ['selected_users', 'initial_users', []],
  conversations_select: ['selected_conversation', 'initial_conversation', null],
  multi_conversations_select: ['selected_conversations', 'initial_conversations', []],
  channels_select: ['selected_channel', 'initial_channel', null],
  multi_channels_select: ['selected_channels', 'initial_channels', []],
  datepicker: ['selected_date', 'initial_date', null],
  timepicker: ['selected_time', 'initial_time', null],
  datetimepicker: ['selected_date_time', 'initial_date_time', null],
  rich_text_input: ['rich_text_value', 'initial_value', null],
};

interface StatefulElement {
  blockId: string;
  actionId: string;
  element: JsonObject;
}

const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Input elements and interactive elements of actions blocks: what Slack reports in `state.values`. */
function statefulElements(blocks: unknown): StatefulElement[] {
  const found: StatefulElement[] = [];
  if (!Array.isArray(blocks)) return found;
  blocks.forEach((block, index) => {
    if (!isObject(block)) return;
    // Slack assigns block/action ids when the app gives none; mimic with stable positional ones.
    const blockId = typeof block.block_id === 'string' ? block.block_id : `block_${index}`;
    const elements = block.type === 'input' ? [block.element] : block.type === 'actions' ? block.elements : [];
    if (!Array.isArray(elements)) return;
    elements.forEach((element, i) => {
      if (!isObject(element) || typeof element.type !== 'string' || !(element.type in VALUE_FIELDS)) return;
      const actionId = typeof element.action_id === 'string' ? element.action_id : `action_${index}_${i}`;
      found.push({ blockId, actionId, element });
    });
  });
  return found;
}

/** What an untouched element submits: its initial value, or empty. */
function initialState(element: JsonObject): JsonObject {
  const type = element.type as string;
  const [field, initial, empty] = VALUE_FIELDS[type] ?? ['value', 'initial_value', null];
  return { type, [field]: element[initial] ?? empty };
}

/**
 * The state Slack would send for these blocks after the user entered `given`: every stateful element appears
 * (untouched ones with their initial value), and `given` must name real blocks and actions of the view, so a
 * test cannot submit a field the modal does not have.
 */
export function buildState(blocks: unknown, given: StateValues): StateValues {
  const elements = statefulElements(blocks);
  const state: StateValues = {};
  for (const { blockId, actionId, element } of elements) {
    state[blockId] ??= {};
    (state[blockId] as Record<string, JsonObject>)[actionId] = initialState(element);
  }
  for (const [blockId, actions] of Object.entries(given)) {
    for (const [actionId, value] of Object.entries(actions)) {
      const target = elements.find((candidate) => candidate.blockId === blockId && candidate.actionId === actionId);
      if (!target) throw new Error(`fake-slack: the view has no element ${blockId}/${actionId} to fill in`);
      (state[blockId] as Record<string, JsonObject>)[actionId] = { type: target.element.type, ...value };
    }
  }
  return state;
}
