/**
 * The registry of typed SOAP requests (one module each), plus their types.
 * @module
 */
import { AddAccountAlias } from './add-account-alias.js';
import { AddDistributionListAlias } from './add-distribution-list-alias.js';
import { AddDistributionListMember } from './add-distribution-list-member.js';
import { AddMsg } from './add-msg.js';
import { AdminCreateWaitSet } from './admin-create-wait-set.js';
import { AdminDestroyWaitSet } from './admin-destroy-wait-set.js';
import { AdminWaitSet } from './admin-wait-set.js';
import { AdminAuth, Auth } from './auth.js';
import { AdminBatch, Batch } from './batch.js';
import { CreateAccount } from './create-account.js';
import { CreateContact } from './create-contact.js';
import { CreateCos } from './create-cos.js';
import { CreateDistributionList } from './create-distribution-list.js';
import { CreateDomain } from './create-domain.js';
import { CreateFolder } from './create-folder.js';
import { CreateTag } from './create-tag.js';
import { DelegateAuth } from './delegate-auth.js';
import { GetAccount } from './get-account.js';
import { GetAccountInfo } from './get-account-info.js';
import { GetAllCos } from './get-all-cos.js';
import { GetAllDistributionLists } from './get-all-distribution-lists.js';
import { GetAllDomains } from './get-all-domains.js';
import { GetAllServers } from './get-all-servers.js';
import { GetAppointment } from './get-appointment.js';
import { GetContacts } from './get-contacts.js';
import { GetDistributionList } from './get-distribution-list.js';
import { GetFolder } from './get-folder.js';
import { GetItem } from './get-item.js';
import { GetMailbox } from './get-mailbox.js';
import { GetMsgMetadata } from './get-msg-metadata.js';
import { GetTag } from './get-tag.js';
import { ItemAction } from './item-action.js';
import { ModifyAccount } from './modify-account.js';
import { Search } from './search.js';
import { SearchDirectory } from './search-directory.js';
import { SetAppointment } from './set-appointment.js';
import { SaveDocument, SetTask } from './save-document.js';
import { CreateNote } from './create-note.js';
import { Sync } from './sync.js';

/** Every request definition, by export name. */
export const requests = {
  Auth,
  AdminAuth,
  DelegateAuth,
  GetAccountInfo,
  GetAllServers,
  GetAllDomains,
  GetAllCos,
  GetAllDistributionLists,
  GetDistributionList,
  SearchDirectory,
  GetAccount,
  GetMailbox,
  CreateDomain,
  CreateCos,
  CreateAccount,
  CreateDistributionList,
  AddDistributionListMember,
  AddAccountAlias,
  AddDistributionListAlias,
  ModifyAccount,
  Sync,
  GetFolder,
  GetItem,
  GetTag,
  GetMsgMetadata,
  GetContacts,
  GetAppointment,
  Search,
  AddMsg,
  CreateFolder,
  CreateTag,
  CreateContact,
  SetAppointment,
  SetTask,
  SaveDocument,
  CreateNote,
  ItemAction,
  AdminCreateWaitSet,
  AdminWaitSet,
  AdminDestroyWaitSet,
  Batch,
  AdminBatch,
} as const;

export * from './add-account-alias.js';
export * from './add-distribution-list-alias.js';
export * from './add-distribution-list-member.js';
export * from './add-msg.js';
export * from './admin-create-wait-set.js';
export * from './admin-destroy-wait-set.js';
export * from './admin-wait-set.js';
export * from './auth.js';
export * from './batch.js';
export * from './create-account.js';
export * from './create-contact.js';
export * from './create-cos.js';
export * from './create-distribution-list.js';
export * from './create-domain.js';
export * from './create-folder.js';
export * from './create-tag.js';
export * from './definition.js';
export * from './delegate-auth.js';
export * from './directory.js';
export * from './get-account.js';
export * from './get-account-info.js';
export * from './get-all-cos.js';
export * from './get-all-distribution-lists.js';
export * from './get-all-domains.js';
export * from './get-all-servers.js';
export * from './get-appointment.js';
export * from './get-contacts.js';
export * from './get-distribution-list.js';
export * from './get-folder.js';
export * from './get-item.js';
export * from './get-mailbox.js';
export * from './get-msg-metadata.js';
export * from './get-tag.js';
export * from './item-action.js';
export * from './items.js';
export * from './modify-account.js';
export * from './search.js';
export * from './search-directory.js';
export * from './set-appointment.js';
export * from './save-document.js';
export * from './create-note.js';
export * from './sync.js';
export * from './wait-set-types.js';
