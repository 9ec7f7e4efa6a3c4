import { LogLevel } from '@slack/bolt';

/** A Bolt logger that says nothing: the tests look at what the apps do, not at Bolt's own lines. */
export const silent = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  setLevel() {},
  getLevel: () => LogLevel.ERROR,
  setName() {},
};
