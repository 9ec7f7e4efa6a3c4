import type { MethodTable } from './method.js';
import { chatMethods } from './methods-chat.js';
import { directoryMethods } from './methods-directory.js';
import { fileMethods } from './methods-files.js';
import { viewMethods } from './methods-views.js';

/** Every Web API method the fake implements; anything else is `unknown_method`. */
export const METHODS: MethodTable = {
  ...directoryMethods,
  ...chatMethods,
  ...viewMethods,
  ...fileMethods,
  'apps.connections.open': {
    token: 'app',
    handle: (_args, { issueSocketUrl }) => ({ ok: true, url: issueSocketUrl() }),
  },
};
