import { SlackApiError } from './api-error.js';
import type { IdFactory } from './ids.js';
import type { ReceivedUpload } from './upload.js';

export interface FakeFile {
  id: string;
  filename: string;
  /** What files.getUploadURLExternal was told. */
  declaredLength: number;
  altText?: string;
  /** 'pending' until bytes arrive; 'bad' when the last upload's size differed from the declared length. */
  state: 'pending' | 'uploaded' | 'bad';
  upload?: ReceivedUpload;
  /** Set by the first successful files.completeUploadExternal. */
  completed?: { title: string; channelId?: string; threadTs?: string; comment?: string };
  /** Every place it was shared (files.info `shares`); completing again shares it again, as Slack does. */
  shares: { channelId: string; ts: string; threadTs?: string }[];
  /** Set by files.delete: the file no longer exists (files.info and files.delete answer file_not_found). */
  deleted?: boolean;
}

/** Files between files.getUploadURLExternal and files.completeUploadExternal. */
export class FileRegistry {
  private readonly files = new Map<string, FakeFile>();

  constructor(private readonly ids: IdFactory) {}

  create(filename: string, declaredLength: number, altText?: string): FakeFile {
    const file: FakeFile = {
      id: this.ids.next('F'),
      filename,
      declaredLength,
      state: 'pending',
      shares: [],
      ...(altText !== undefined && { altText }),
    };
    this.files.set(file.id, file);
    return file;
  }

  find(id: string): FakeFile | undefined {
    return this.files.get(id);
  }

  get(id: string): FakeFile {
    const file = this.files.get(id);
    if (!file || file.deleted) throw new SlackApiError('file_not_found');
    return file;
  }

  /** True when the size matched; a file may be uploaded again until it is completed. */
  recordUpload(file: FakeFile, upload: ReceivedUpload): boolean {
    const good = upload.bytes === file.declaredLength;
    file.state = good ? 'uploaded' : 'bad';
    file.upload = good ? upload : { ...upload, content: undefined };
    return good;
  }

  all(): FakeFile[] {
    return [...this.files.values()];
  }
}
