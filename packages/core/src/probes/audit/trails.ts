// Pure assessment of CloudTrail trails for one question: is there a trail that is logging this region's
// management events (where GetSecretValue, AssumeRole and the gateway's other calls are recorded)?

export interface TrailFacts {
  name: string;
  arn?: string;
  homeRegion: string;
  isMultiRegion: boolean;
  isOrganizationTrail?: boolean;
  /** undefined when GetTrailStatus could not be read. */
  isLogging?: boolean;
  /** Basic event selectors as GetEventSelectors returns them. */
  eventSelectors?: Array<{ ReadWriteType?: string; IncludeManagementEvents?: boolean }>;
  /** Advanced event selectors. */
  advancedEventSelectors?: Array<{ Name?: string; FieldSelectors?: Array<{ Field?: string; Equals?: string[]; NotEquals?: string[] }> }>;
  /** undefined when GetEventSelectors could not be read. */
  selectorsRead: boolean;
}

export type ManagementCoverage = 'all' | 'read-only' | 'write-only' | 'none' | 'unknown';

export function managementCoverage(t: TrailFacts): ManagementCoverage {
  if (!t.selectorsRead) return 'unknown';
  if (t.advancedEventSelectors && t.advancedEventSelectors.length > 0) {
    let read = false;
    let write = false;
    for (const s of t.advancedEventSelectors) {
      const fields = s.FieldSelectors ?? [];
      const category = fields.find((f) => f.Field === 'eventCategory');
      if (!category?.Equals?.includes('Management')) continue;
      const ro = fields.find((f) => f.Field === 'readOnly');
      if (!ro) {
        read = write = true;
      } else if (ro.Equals?.includes('true') || ro.NotEquals?.includes('false')) read = true;
      else if (ro.Equals?.includes('false') || ro.NotEquals?.includes('true')) write = true;
    }
    return coverage(read, write);
  }
  // A trail with no selectors at all logs management events (CloudTrail's default).
  const selectors = t.eventSelectors ?? [];
  if (selectors.length === 0) return 'all';
  let read = false;
  let write = false;
  for (const s of selectors) {
    if (s.IncludeManagementEvents === false) continue;
    const rw = s.ReadWriteType ?? 'All';
    if (rw === 'All' || rw === 'ReadOnly') read = true;
    if (rw === 'All' || rw === 'WriteOnly') write = true;
  }
  return coverage(read, write);
}

function coverage(read: boolean, write: boolean): ManagementCoverage {
  return read && write ? 'all' : read ? 'read-only' : write ? 'write-only' : 'none';
}

export function coversRegion(t: TrailFacts, region: string): boolean {
  return t.isMultiRegion || t.homeRegion === region;
}

export interface TrailAssessment {
  code: 'OK' | 'CLOUDTRAIL_MISSING' | 'CLOUDTRAIL_NOT_LOGGING' | 'CLOUDTRAIL_NO_MANAGEMENT_EVENTS';
  trail?: TrailFacts;
  coverage?: ManagementCoverage;
  explains: string;
}

/**
 * One assessment per finding: OK when some trail covering the region logs all its management events;
 * otherwise what keeps the best candidates from doing so (a trail that is not logging; a logging trail that
 * skips management events, or half of them).
 */
export function assessTrails(trails: TrailFacts[], region: string): TrailAssessment[] {
  const covering = trails.filter((t) => coversRegion(t, region));
  if (covering.length === 0) {
    return [{ code: 'CLOUDTRAIL_MISSING', explains: `no trail covers ${region} (${trails.length} trail(s) elsewhere, none multi-region)` }];
  }
  const good = covering.find((t) => t.isLogging !== false && managementCoverage(t) === 'all');
  if (good && good.isLogging === true) {
    return [{ code: 'OK', trail: good, coverage: 'all', explains: `trail ${good.name} is logging ${region}'s management events` }];
  }
  if (good) {
    // Status or selectors unreadable: not provable either way; the probe reports READ_DENIED beside this.
    return [{ code: 'OK', trail: good, coverage: managementCoverage(good), explains: `trail ${good.name} covers ${region}; its logging status could not be read` }];
  }
  const out: TrailAssessment[] = [];
  const logging = covering.filter((t) => t.isLogging !== false);
  const notLogging = covering.filter((t) => t.isLogging === false);
  if (logging.length === 0) {
    for (const t of notLogging) out.push({ code: 'CLOUDTRAIL_NOT_LOGGING', trail: t, explains: `trail ${t.name} covers ${region} but is not logging` });
  }
  const candidates = logging.length > 0 ? logging : notLogging;
  for (const t of candidates) {
    const c = managementCoverage(t);
    if (c === 'all' || c === 'unknown') continue;
    out.push({
      code: 'CLOUDTRAIL_NO_MANAGEMENT_EVENTS',
      trail: t,
      coverage: c,
      explains:
        c === 'none'
          ? `trail ${t.name} does not log management events`
          : `trail ${t.name} logs only ${c === 'read-only' ? 'read' : 'write'} management events: ${c === 'write-only' ? 'reads such as GetSecretValue are' : 'changes are'} not recorded`,
    });
  }
  return out;
}

export function startLoggingCommand(t: TrailFacts): string {
  return `aws cloudtrail start-logging --name ${t.arn ?? t.name} --region ${t.homeRegion}`;
}

export function putEventSelectorsCommand(t: TrailFacts): string {
  if (t.advancedEventSelectors && t.advancedEventSelectors.length > 0) {
    const selectors = [
      ...t.advancedEventSelectors.filter((s) => !s.FieldSelectors?.some((f) => f.Field === 'eventCategory' && f.Equals?.includes('Management'))),
      { Name: 'Management events', FieldSelectors: [{ Field: 'eventCategory', Equals: ['Management'] }] },
    ];
    return `aws cloudtrail put-event-selectors --trail-name ${t.name} --region ${t.homeRegion} --advanced-event-selectors '${JSON.stringify(selectors)}'`;
  }
  return `aws cloudtrail put-event-selectors --trail-name ${t.name} --region ${t.homeRegion} --event-selectors '[{"ReadWriteType":"All","IncludeManagementEvents":true}]'`;
}
