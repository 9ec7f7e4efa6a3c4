import { checkHomeView, checkModal } from './block-limits.js';
import { botMethod, type MethodTable, requireString, stringArg } from './method.js';
import { viewJson } from './slack-json.js';
import type { JsonObject } from './types.js';

function validModal(view: unknown): JsonObject {
  const problem = checkModal(view);
  if (problem) throw problem;
  return view as JsonObject;
}

function validHomeView(view: unknown): JsonObject {
  const problem = checkHomeView(view);
  if (problem) throw problem;
  return view as JsonObject;
}

/** views.*: modals opened with a trigger the driver issued, updated by id (and hash), pushed up to 3 deep. */
export const viewMethods: MethodTable = {
  'views.open': botMethod((args, { views, identity }) => {
    const view = validModal(args.view);
    const trigger = views.exchangeTrigger(args.trigger_id);
    return { ok: true, view: viewJson(views.open(view, trigger.userId, trigger), identity) };
  }),

  'views.push': botMethod((args, { views, identity }) => {
    const view = validModal(args.view);
    const trigger = views.exchangeTrigger(args.trigger_id);
    return { ok: true, view: viewJson(views.push(view, trigger), identity) };
  }),

  'views.update': botMethod((args, { views, identity }) => {
    const view = validModal(args.view);
    return { ok: true, view: viewJson(views.update(args.view_id, args.external_id, args.hash, view), identity) };
  }),

  'views.publish': botMethod((args, { workspace, homes, identity }) => {
    const userId = requireString(args, 'user_id', 'user_not_found');
    workspace.user(userId);
    const view = validHomeView(args.view);
    return { ok: true, view: viewJson(homes.publish(userId, view, stringArg(args, 'hash')), identity) };
  }),
};
