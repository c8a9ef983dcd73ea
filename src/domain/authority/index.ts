export {
  INCIDENT_ACTIONS,
  decideAuthority,
  onCallForPolicy,
  type Authority,
  type Grant,
  type IncidentAction,
  type IncidentStanding,
  type RefusalReason,
  type Requester,
} from './authority.js';
export { TOKEN_SCOPES, decideTokenChange, scopeCovers, type TokenChange, type TokenDecision, type TokenRequester, type TokenScope } from './tokens.js';
