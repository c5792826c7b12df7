/**
 * `ZimbraClient`: the typed SOAP client. Connection, auth, retries and dispatch come from
 * {@link SoapConnection}; this class adds one convenience method per common request and async
 * iterables over paged listings.
 * @module
 */
import type { Secret } from '../internal/secret.js';
import type { ZimbraAttrs } from './element.js';
import { SoapConnection, type SendOptions } from './soap-connection.js';
import { AddMsg, type AddMsgParams } from './requests/add-msg.js';
import {
  AdminCreateWaitSet,
  type AdminCreateWaitSetParams,
  type AdminCreateWaitSetResult,
} from './requests/admin-create-wait-set.js';
import { AdminDestroyWaitSet } from './requests/admin-destroy-wait-set.js';
import { AdminWaitSet, type AdminWaitSetParams, type AdminWaitSetResult } from './requests/admin-wait-set.js';
import { AdminBatch, Batch, type BatchMember, type BatchResult } from './requests/batch.js';
import { CreateAccount } from './requests/create-account.js';
import { CreateContact, type CreateContactParams } from './requests/create-contact.js';
import { CreateFolder, type CreateFolderParams } from './requests/create-folder.js';
import { CreateTag, type CreateTagParams } from './requests/create-tag.js';
import type { DirectoryObject, DistributionListInfo } from './requests/directory.js';
import { GetAccount } from './requests/get-account.js';
import { GetAccountInfo, type GetAccountInfoResult } from './requests/get-account-info.js';
import { GetAllCos } from './requests/get-all-cos.js';
import { GetAllDistributionLists } from './requests/get-all-distribution-lists.js';
import { GetAllDomains } from './requests/get-all-domains.js';
import { GetAllServers } from './requests/get-all-servers.js';
import { GetAppointment, type GetAppointmentParams, type AppointmentInfo } from './requests/get-appointment.js';
import { GetContacts, type GetContactsParams } from './requests/get-contacts.js';
import { GetDistributionList } from './requests/get-distribution-list.js';
import { GetFolder, type GetFolderParams } from './requests/get-folder.js';
import { GetItem } from './requests/get-item.js';
import { GetMailbox, type GetMailboxResult } from './requests/get-mailbox.js';
import { GetMsgMetadata } from './requests/get-msg-metadata.js';
import { GetTag } from './requests/get-tag.js';
import { ItemAction, type ItemActionParams, type ItemActionResult } from './requests/item-action.js';
import type { ContactInfo, FolderInfo, ItemSummary, TagInfo } from './requests/items.js';
import { ModifyAccount } from './requests/modify-account.js';
import { Search, type SearchParams, type SearchResult } from './requests/search.js';
import {
  SearchDirectory,
  type SearchDirectoryParams,
  type SearchDirectoryResult,
} from './requests/search-directory.js';
import { SetAppointment, type SetAppointmentParams, type SetAppointmentResult } from './requests/set-appointment.js';
import { Sync, type SyncParams, type SyncResult } from './requests/sync.js';
import type { AccountSelector } from './transports/transport.js';

export type { ZimbraClientOptions, SendOptions, AuthInfo, RestTarget } from './soap-connection.js';

/** Options of {@link ZimbraClient.accounts}. */
export interface ListAccountsOptions {
  /** LDAP filter (default: all accounts). */
  query?: string;
  /** Restrict to a domain (name). */
  domain?: string;
  /**
   * Attributes to fetch per account (default: zimbraId, zimbraMailHost, zimbraAccountStatus); `'all'` sends no `attrs`, and
   * the server returns every attribute, as GetAccount does (SearchDirectory.java, ToXML.encodeAccount).
   */
  attrs?: string[] | 'all';
  /** Accounts per page. Default 500. */
  pageSize?: number;
  /** Aborts between and during pages. */
  signal?: AbortSignal;
}

/** The attributes an account listing fetches by default. */
export const LISTING_ATTRS: readonly string[] = ['zimbraId', 'zimbraMailHost', 'zimbraAccountStatus'];

/**
 * A typed Zimbra SOAP client (JSON by default, XML on request) with admin, user and delegated
 * auth, token renewal, retries and typed faults.
 * @example
 * ```ts
 * const client = new ZimbraClient({ url: emu.url, adminUrl: emu.adminUrl });
 * await client.authAdmin(emu.adminUser, emu.adminPassword);
 * const first = await client.sync({}, { account: 'user1@example.com' });
 * const next = await client.sync({ token: first.token }, { account: 'user1@example.com' });
 * client.close();
 * ```
 */
export class ZimbraClient extends SoapConnection {
  /** SyncRequest: initial without `token`, delta with it. */
  sync(params: SyncParams = {}, opts?: SendOptions): Promise<SyncResult> {
    return this.send(Sync, params, opts);
  }

  /** GetFolderRequest: the folder tree (from the user root by default). */
  async getFolder(params: GetFolderParams = {}, opts?: SendOptions): Promise<FolderInfo> {
    return (await this.send(GetFolder, params, opts)).root;
  }

  /** GetItemRequest: one item of any type by id (`NoSuchItemError` when missing). */
  async getItem(id: string, opts?: SendOptions): Promise<ItemSummary> {
    return (await this.send(GetItem, { id }, opts)).item;
  }

  /** GetTagRequest: all tags. */
  async getTags(opts?: SendOptions): Promise<TagInfo[]> {
    return (await this.send(GetTag, {}, opts)).tags;
  }

  /** GetMsgMetadataRequest: cheap metadata of many messages. */
  async getMsgMetadata(ids: string[], opts?: SendOptions): Promise<ItemSummary[]> {
    return ids.length === 0 ? [] : (await this.send(GetMsgMetadata, { ids }, opts)).messages;
  }

  /** GetContactsRequest. */
  async getContacts(params: GetContactsParams = {}, opts?: SendOptions): Promise<ContactInfo[]> {
    return (await this.send(GetContacts, params, opts)).contacts;
  }

  /** GetAppointmentRequest. */
  async getAppointment(params: GetAppointmentParams, opts?: SendOptions): Promise<AppointmentInfo> {
    return (await this.send(GetAppointment, params, opts)).appointment;
  }

  /** SearchRequest (one page). */
  search(params: SearchParams, opts?: SendOptions): Promise<SearchResult> {
    return this.send(Search, params, opts);
  }

  /** AddMsgRequest. */
  addMsg(params: AddMsgParams, opts?: SendOptions): Promise<ItemSummary> {
    return this.send(AddMsg, params, opts);
  }

  /** CreateFolderRequest (fetch-if-exists by default). */
  createFolder(params: CreateFolderParams, opts?: SendOptions): Promise<FolderInfo> {
    return this.send(CreateFolder, params, opts);
  }

  /** CreateTagRequest. */
  createTag(params: CreateTagParams, opts?: SendOptions): Promise<TagInfo> {
    return this.send(CreateTag, params, opts);
  }

  /** CreateContactRequest. */
  createContact(params: CreateContactParams, opts?: SendOptions): Promise<ContactInfo> {
    return this.send(CreateContact, params, opts);
  }

  /** SetAppointmentRequest. */
  setAppointment(params: SetAppointmentParams, opts?: SendOptions): Promise<SetAppointmentResult> {
    return this.send(SetAppointment, params, opts);
  }

  /** ItemActionRequest. */
  itemAction(params: ItemActionParams, opts?: SendOptions): Promise<ItemActionResult> {
    return this.send(ItemAction, params, opts);
  }

  /** BatchRequest: members run in one round trip; admin members make it an admin batch. */
  batch(members: BatchMember[], opts?: SendOptions & { onError?: 'continue' | 'stop' }): Promise<BatchResult> {
    const def = members.some((m) => m.def.admin) ? AdminBatch : Batch;
    return this.send(def, { members, ...(opts?.onError ? { onError: opts.onError } : {}) }, opts);
  }

  /** GetAccountRequest (admin). */
  getAccount(account: string | AccountSelector, opts?: SendOptions & { attrs?: string[] }): Promise<DirectoryObject> {
    return this.send(GetAccount, { account, ...(opts?.attrs ? { attrs: opts.attrs } : {}) }, opts);
  }

  /** GetAccountInfoRequest (admin). */
  getAccountInfo(account: string | AccountSelector, opts?: SendOptions): Promise<GetAccountInfoResult> {
    return this.send(GetAccountInfo, { account }, opts);
  }

  /** GetMailboxRequest (admin). */
  getMailbox(accountId: string, opts?: SendOptions): Promise<GetMailboxResult> {
    return this.send(GetMailbox, { accountId }, opts);
  }

  /** GetAllServersRequest (admin). */
  async getAllServers(opts?: SendOptions & { service?: string }): Promise<DirectoryObject[]> {
    return (await this.send(GetAllServers, opts?.service ? { service: opts.service } : {}, opts)).servers;
  }

  /** GetAllDomainsRequest (admin). */
  async getAllDomains(opts?: SendOptions): Promise<DirectoryObject[]> {
    return (await this.send(GetAllDomains, {}, opts)).domains;
  }

  /** GetAllCosRequest (admin). */
  async getAllCos(opts?: SendOptions): Promise<DirectoryObject[]> {
    return (await this.send(GetAllCos, {}, opts)).coses;
  }

  /**
   * GetAllDistributionListsRequest (admin), then GetDistributionListRequest per list when
   * `withMembers` is set (default true), so each list carries its members.
   */
  async getAllDistributionLists(
    opts?: SendOptions & { domain?: string; withMembers?: boolean },
  ): Promise<DistributionListInfo[]> {
    const { lists } = await this.send(GetAllDistributionLists, opts?.domain ? { domain: opts.domain } : {}, opts);
    if (opts?.withMembers === false) return lists;
    const out: DistributionListInfo[] = [];
    for (const dl of lists) {
      const full = await this.send(GetDistributionList, { dl: { by: 'id', value: dl.id } }, opts);
      out.push({
        ...dl,
        members: full.list.members,
        attrs: Object.keys(full.list.attrs).length ? full.list.attrs : dl.attrs,
      });
    }
    return out;
  }

  /** CreateAccountRequest (admin). */
  createAccount(
    name: string,
    password: string | Secret | undefined,
    attrs?: ZimbraAttrs,
    opts?: SendOptions,
  ): Promise<DirectoryObject> {
    return this.send(
      CreateAccount,
      { name, ...(password === undefined ? {} : { password }), ...(attrs ? { attrs } : {}) },
      opts,
    );
  }

  /** ModifyAccountRequest (admin). */
  modifyAccount(id: string, attrs: ZimbraAttrs, opts?: SendOptions): Promise<DirectoryObject> {
    return this.send(ModifyAccount, { id, attrs }, opts);
  }

  /** One page of SearchDirectoryRequest (admin). */
  searchDirectory(params: SearchDirectoryParams, opts?: SendOptions): Promise<SearchDirectoryResult> {
    return this.send(SearchDirectory, params, opts);
  }

  /**
   * Every account, page by page (SearchDirectoryRequest with `offset`/`limit`). The next page is
   * fetched only when the loop asks for it.
   */
  async *accounts(opts: ListAccountsOptions = {}): AsyncGenerator<DirectoryObject, void, undefined> {
    const limit = opts.pageSize ?? 500;
    let offset = 0;
    for (;;) {
      const page = await this.send(
        SearchDirectory,
        {
          types: 'accounts',
          limit,
          offset,
          ...(opts.attrs === 'all' ? {} : { attrs: opts.attrs ?? [...LISTING_ATTRS] }),
          sortBy: 'name',
          ...(opts.query === undefined ? {} : { query: opts.query }),
          ...(opts.domain === undefined ? {} : { domain: opts.domain }),
        },
        opts.signal ? { signal: opts.signal } : {},
      );
      yield* page.accounts;
      offset += page.accounts.length;
      if (!page.more || page.accounts.length === 0) return;
    }
  }

  /** AdminCreateWaitSetRequest. */
  createWaitSet(params: AdminCreateWaitSetParams, opts?: SendOptions): Promise<AdminCreateWaitSetResult> {
    return this.send(AdminCreateWaitSet, params, opts);
  }

  /** AdminWaitSetRequest (the HTTP deadline is stretched past the block timeout). */
  waitSet(params: AdminWaitSetParams, opts?: SendOptions): Promise<AdminWaitSetResult> {
    return this.send(AdminWaitSet, params, opts);
  }

  /** AdminDestroyWaitSetRequest. */
  async destroyWaitSet(waitSetId: string, opts?: SendOptions): Promise<void> {
    await this.send(AdminDestroyWaitSet, { waitSetId }, opts);
  }
}
