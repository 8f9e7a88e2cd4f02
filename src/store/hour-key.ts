// The key hourly counts are stored under: an ISO 8601 UTC instant cut to its hour ('YYYY-MM-DDTHH:00:00Z').
export function hourKey(isoUtc: string): string {
  return `${isoUtc.slice(0, 13)}:00:00Z`;
}
