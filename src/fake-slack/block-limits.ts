import { SlackApiError } from './api-error.js';
import type { JsonObject } from './types.js';

/*
 * The Block Kit limits Slack enforces (reference/slack-bolt.md §1.4 and §2, from @slack/types and Slack's docs).
 * Messages answer `invalid_blocks`; modals answer `invalid_arguments` for the view's own fields (title, block
 * count, private_metadata) and `invalid_blocks` for what is inside a block. Messages read like Slack's:
 * `must be less than 3001 characters [json-pointer:/blocks/0/text/text]`.
 */

export const LIMITS = {
  messageBlocks: 50,
  viewBlocks: 100,
  viewTitle: 24,
  privateMetadata: 3000,
  callbackId: 255,
  blockId: 255,
  actionId: 255,
  sectionText: 3000,
  sectionFields: 10,
  sectionField: 2000,
  headerText: 150,
  contextElements: 10,
  actionsElements: 25,
  inputLabel: 2000,
  markdownText: 12_000,
  placeholder: 150,
  optionText: 75,
  optionValue: 150,
  selectOptions: 100,
  checkboxOptions: 10,
  overflowOptions: 5,
  buttonText: 75,
  buttonValue: 2000,
} as const;

type Problems = string[];

const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function textOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (isObject(value) && typeof value.text === 'string') return value.text;
  return undefined;
}

function maxLength(problems: Problems, value: unknown, limit: number, pointer: string): void {
  const text = textOf(value);
  if (text !== undefined && text.length > limit) {
    problems.push(`must be less than ${limit + 1} characters [json-pointer:${pointer}]`);
  }
}

function maxItems(problems: Problems, value: unknown, limit: number, pointer: string): void {
  if (Array.isArray(value) && value.length > limit) {
    problems.push(`no more than ${limit} items allowed [json-pointer:${pointer}]`);
  }
}

/** A message's `blocks`: null when Slack would accept them. */
export function checkMessageBlocks(blocks: unknown, pointer = '/blocks'): SlackApiError | null {
  if (!Array.isArray(blocks))
    return SlackApiError.withMessages('invalid_blocks_format', [`must be an array [json-pointer:${pointer}]`]);
  const problems: Problems = [];
  maxItems(problems, blocks, LIMITS.messageBlocks, pointer);
  checkBlocks(problems, blocks, pointer);
  return problems.length > 0 ? SlackApiError.withMessages('invalid_blocks', problems) : null;
}

/** A modal for views.open/update/push (or a submission's `update`/`push` answer). */
export function checkModal(view: unknown, pointer = '/view'): SlackApiError | null {
  return checkView(view, 'modal', pointer);
}

/** A Home tab for views.publish: no title, submit or close to require, otherwise a view's limits. */
export function checkHomeView(view: unknown, pointer = '/view'): SlackApiError | null {
  return checkView(view, 'home', pointer);
}

function checkView(view: unknown, type: 'modal' | 'home', pointer: string): SlackApiError | null {
  if (!isObject(view))
    return SlackApiError.withMessages('invalid_arguments', [`must be an object [json-pointer:${pointer}]`]);
  const args: Problems = [];
  if (view.type !== type) args.push(`must be "${type}" [json-pointer:${pointer}/type]`);
  if (type === 'modal') checkModalFrame(args, view, pointer);
  if (typeof view.private_metadata === 'string' && view.private_metadata.length > LIMITS.privateMetadata) {
    args.push(`must be less than ${LIMITS.privateMetadata + 1} characters [json-pointer:${pointer}/private_metadata]`);
  }
  maxLength(args, view.callback_id, LIMITS.callbackId, `${pointer}/callback_id`);
  const blocks = view.blocks;
  if (!Array.isArray(blocks)) args.push(`missing required field: blocks [json-pointer:${pointer}/blocks]`);
  else {
    maxItems(args, blocks, LIMITS.viewBlocks, `${pointer}/blocks`);
    // Slack refuses a modal with inputs and nothing to submit them with.
    if (type === 'modal' && view.submit === undefined && blocks.some((b) => isObject(b) && b.type === 'input')) {
      args.push(`missing required field: submit [json-pointer:${pointer}/submit]`);
    }
  }
  if (args.length > 0) return SlackApiError.withMessages('invalid_arguments', args);
  const problems: Problems = [];
  checkBlocks(problems, blocks as unknown[], `${pointer}/blocks`);
  return problems.length > 0 ? SlackApiError.withMessages('invalid_blocks', problems) : null;
}

/** A modal's title (required), submit and close buttons. */
function checkModalFrame(args: Problems, view: JsonObject, pointer: string): void {
  if (textOf(view.title) === undefined) args.push(`missing required field: title [json-pointer:${pointer}/title]`);
  for (const key of ['title', 'submit', 'close'] as const) {
    maxLength(args, view[key], LIMITS.viewTitle, `${pointer}/${key}/text`);
  }
}

function checkBlocks(problems: Problems, blocks: readonly unknown[], pointer: string): void {
  const seenIds = new Set<string>();
  blocks.forEach((block, index) => {
    const at = `${pointer}/${index}`;
    if (!isObject(block) || typeof block.type !== 'string') {
      problems.push(`missing required field: type [json-pointer:${at}]`);
      return;
    }
    if (typeof block.block_id === 'string') {
      maxLength(problems, block.block_id, LIMITS.blockId, `${at}/block_id`);
      if (seenIds.has(block.block_id)) problems.push(`duplicate block_id [json-pointer:${at}/block_id]`);
      seenIds.add(block.block_id);
    }
    checkBlock(problems, block, at);
  });
}

function checkBlock(problems: Problems, block: JsonObject, at: string): void {
  switch (block.type) {
    case 'section':
      if (block.text !== undefined) {
        const text = textOf(block.text) ?? '';
        if (text.length === 0) problems.push(`must be more than 0 characters [json-pointer:${at}/text/text]`);
        maxLength(problems, block.text, LIMITS.sectionText, `${at}/text/text`);
      } else if (!Array.isArray(block.fields)) {
        problems.push(`must provide text or fields [json-pointer:${at}]`);
      }
      maxItems(problems, block.fields, LIMITS.sectionFields, `${at}/fields`);
      if (Array.isArray(block.fields)) {
        block.fields.forEach((field, i) => {
          maxLength(problems, field, LIMITS.sectionField, `${at}/fields/${i}/text`);
        });
      }
      if (isObject(block.accessory)) checkElement(problems, block.accessory, `${at}/accessory`);
      return;
    case 'header':
      if (textOf(block.text) === undefined) problems.push(`missing required field: text [json-pointer:${at}/text]`);
      maxLength(problems, block.text, LIMITS.headerText, `${at}/text/text`);
      return;
    case 'context':
      if (!Array.isArray(block.elements) || block.elements.length === 0) {
        problems.push(`must provide at least 1 element [json-pointer:${at}/elements]`);
      }
      maxItems(problems, block.elements, LIMITS.contextElements, `${at}/elements`);
      return;
    case 'actions':
      maxItems(problems, block.elements, LIMITS.actionsElements, `${at}/elements`);
      if (Array.isArray(block.elements)) {
        block.elements.forEach((element, i) => {
          if (isObject(element)) checkElement(problems, element, `${at}/elements/${i}`);
        });
      }
      return;
    case 'input':
      if (textOf(block.label) === undefined) problems.push(`missing required field: label [json-pointer:${at}/label]`);
      maxLength(problems, block.label, LIMITS.inputLabel, `${at}/label/text`);
      maxLength(problems, block.hint, LIMITS.inputLabel, `${at}/hint/text`);
      if (isObject(block.element)) checkElement(problems, block.element, `${at}/element`);
      else problems.push(`missing required field: element [json-pointer:${at}/element]`);
      return;
    case 'markdown':
      maxLength(problems, block.text, LIMITS.markdownText, `${at}/text`);
      return;
    default:
      return;
  }
}

const SELECT_OPTION_LIMITS: Record<string, number> = {
  static_select: LIMITS.selectOptions,
  multi_static_select: LIMITS.selectOptions,
  checkboxes: LIMITS.checkboxOptions,
  radio_buttons: LIMITS.checkboxOptions,
  overflow: LIMITS.overflowOptions,
};

function checkElement(problems: Problems, element: JsonObject, at: string): void {
  maxLength(problems, element.action_id, LIMITS.actionId, `${at}/action_id`);
  maxLength(problems, element.placeholder, LIMITS.placeholder, `${at}/placeholder/text`);
  if (element.type === 'button') {
    maxLength(problems, element.text, LIMITS.buttonText, `${at}/text/text`);
    maxLength(problems, element.value, LIMITS.buttonValue, `${at}/value`);
  }
  const optionLimit = typeof element.type === 'string' ? SELECT_OPTION_LIMITS[element.type] : undefined;
  if (optionLimit !== undefined) maxItems(problems, element.options, optionLimit, `${at}/options`);
  if (typeof element.max_selected_items === 'number' && element.max_selected_items < 1) {
    problems.push(`must be at least 1 [json-pointer:${at}/max_selected_items]`);
  }
  checkOptionLists(problems, element, at);
}

/** Options wherever they appear on an element: `options`, `initial_options`, `initial_option`, `option_groups`. */
function checkOptionLists(problems: Problems, element: JsonObject, at: string): void {
  for (const key of ['options', 'initial_options'] as const) {
    const list = element[key];
    if (!Array.isArray(list)) continue;
    list.forEach((option, i) => {
      checkOption(problems, option, `${at}/${key}/${i}`);
    });
  }
  if (element.initial_option !== undefined) checkOption(problems, element.initial_option, `${at}/initial_option`);
  if (Array.isArray(element.option_groups)) {
    maxItems(problems, element.option_groups, LIMITS.selectOptions, `${at}/option_groups`);
    element.option_groups.forEach((group, g) => {
      if (!isObject(group)) return;
      maxLength(problems, group.label, LIMITS.optionText, `${at}/option_groups/${g}/label/text`);
      maxItems(problems, group.options, LIMITS.selectOptions, `${at}/option_groups/${g}/options`);
      if (Array.isArray(group.options)) {
        group.options.forEach((option, i) => {
          checkOption(problems, option, `${at}/option_groups/${g}/options/${i}`);
        });
      }
    });
  }
}

function checkOption(problems: Problems, option: unknown, at: string): void {
  if (!isObject(option)) {
    problems.push(`must be an object [json-pointer:${at}]`);
    return;
  }
  const text = textOf(option.text);
  if (text === undefined || text.length === 0) problems.push(`missing required field: text [json-pointer:${at}/text]`);
  maxLength(problems, option.text, LIMITS.optionText, `${at}/text/text`);
  maxLength(problems, option.description, LIMITS.optionText, `${at}/description/text`);
  maxLength(problems, option.value, LIMITS.optionValue, `${at}/value`);
}

/**
 * An options answer to a block_suggestion: at most 100 options (or groups), same option limits.
 * Returns Slack-style problem lines; empty when Slack would show the options.
 */
export function checkOptionsResponse(body: unknown): string[] {
  const problems: Problems = [];
  if (!isObject(body) || (!Array.isArray(body.options) && !Array.isArray(body.option_groups))) {
    return ['must provide options or option_groups [json-pointer:/]'];
  }
  maxItems(problems, body.options, LIMITS.selectOptions, '/options');
  checkOptionLists(problems, body, '');
  return problems;
}
