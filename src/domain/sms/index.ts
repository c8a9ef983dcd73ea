export { commandExample, parseEngineerCommand, type EngineerCommand, type EngineerVerb } from './engineer-command.js';
export {
  DEFAULT_SMS_LANGUAGE,
  MAX_SMS_ATTEMPTS,
  SMS_CONVERSATION_IDLE_MINUTES,
  decideSmsIntake,
  incidentOpenedReply,
  isConversationExpired,
  smsCustomerLookups,
  type SmsIntakeContext,
  type SmsIntakeEffect,
  type SmsIntakeResult,
  type SmsIntakeState,
} from './intake-conversation.js';
export {
  customerCodeIn,
  guessLanguage,
  matchIntegration,
  parseIntakeMessage,
  parseKeyword,
  type Expecting,
  type IntakeMessage,
  type IntegrationMatch,
  type Keyword,
} from './intake-message.js';
export { damerauLevenshtein, foldText, tokenSimilarity, tokens } from './text-match.js';
