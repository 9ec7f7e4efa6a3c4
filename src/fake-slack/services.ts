import type { FileRegistry } from './file-registry.js';
import type { HomeViews } from './home-views.js';
import type { IdFactory } from './ids.js';
import type { ResponseUrls } from './response-urls.js';
import type { ViewRegistry } from './view-registry.js';
import type { Workspace } from './workspace.js';

/** Who the bot is in this fake workspace. */
export interface Identity {
  teamId: string;
  teamName: string;
  teamDomain: string;
  appId: string;
  botUserId: string;
  botId: string;
  botName: string;
  /** The legacy verification token Slack still puts in payloads; Bolt ignores it. */
  verificationToken: string;
}

/** The state one fake holds, shared by the Web API methods, the HTTP server and the driver. */
export interface Services {
  ids: IdFactory;
  identity: Identity;
  workspace: Workspace;
  views: ViewRegistry;
  homes: HomeViews;
  files: FileRegistry;
  responses: ResponseUrls;
  /** `http://127.0.0.1:PORT/` once listening. */
  baseUrl(): string;
  /** Issues a one-use ticket for the Socket Mode link and returns its `ws://…/link/?ticket=…` URL. */
  issueSocketUrl(): string;
}
