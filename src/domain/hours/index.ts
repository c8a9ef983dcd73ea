export { formatMoment, supportHoursFacts, toCalendarMoment } from './calendar-moment.js';
export {
  CLOSES_AT,
  DEFAULT_WORKING_HOURS,
  DEFAULT_WORKING_HOURS_TZ,
  OPENS_AT,
  isValidTimeZone,
  supportCenterStatus,
  zoneLabel,
  type SupportCenter,
  type SupportCenterStatus,
  type WorkingHours,
} from './working-hours.js';
