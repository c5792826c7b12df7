/**
 * Types shared by the admin WaitSet requests (soap-waitset.txt, PROTOCOL.md 3).
 * @module
 */
import { attrNum, attrStr, children, type SoapElement } from '../element.js';

/** An account to watch (`WaitSetAddSpec`): by `id` or `name`. */
export interface WaitSetAccountSpec {
  /** Account zimbraId. */
  id?: string;
  /** Account name (instead of `id`). */
  name?: string;
  /** Last known sync token: the server signals at once if the account moved past it. */
  token?: string;
  /** Interest types for this account (`f,m,c,a,t,d` or `all`). */
  types?: string;
  /** Folder ids of interest. */
  folderInterests?: string[];
}

/** An account that has changes. */
export interface WaitSetSignal {
  /** Account zimbraId. */
  id: string;
  /** The account's last change id (`changeid`), when sent. */
  changeId: number | undefined;
}

/** A per-account error (`<error id type>`): NO_SUCH_ACCOUNT, WRONG_HOST_FOR_ACCOUNT... */
export interface WaitSetAccountError {
  /** Account id. */
  id: string;
  /** Error type. */
  type: string;
}

/** Builds `{a: [...]}` from specs. */
export function specsElement(specs: WaitSetAccountSpec[]): SoapElement {
  return {
    a: specs.map((s) => {
      const a: SoapElement = {};
      if (s.id !== undefined) a['id'] = s.id;
      if (s.name !== undefined) a['name'] = s.name;
      if (s.token !== undefined) a['token'] = s.token;
      if (s.types !== undefined) a['types'] = s.types;
      if (s.folderInterests?.length) a['folderInterests'] = s.folderInterests.join(',');
      return a;
    }),
  };
}

/**
 * Reads `<error id type>` children. The server writes `type` (soap/.../type/IdAndType.java, the
 * JAXB class of WaitSetResp errors); store/docs/soap-waitset.txt says `t`, accepted too.
 */
export function parseWaitSetErrors(r: SoapElement): WaitSetAccountError[] {
  return children(r, 'error').map((e) => ({
    id: attrStr(e, 'id') ?? '',
    type: attrStr(e, 'type') ?? attrStr(e, 't') ?? 'UNKNOWN',
  }));
}

/** Reads `<a id changeid>` children. */
export function parseSignals(r: SoapElement): WaitSetSignal[] {
  return children(r, 'a')
    .map((a) => ({ id: attrStr(a, 'id') ?? '', changeId: attrNum(a, 'changeid') }))
    .filter((a) => a.id !== '');
}
