import { isSupportedCountry, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import { zonesForNumber } from './time-zones';

export type NormalisedPhone = { ok: true; e164: string; country: string | undefined; timeZones: string[] } | { ok: false; reason: string };

/** Longest raw phone string accepted (longer ones are rejected, not truncated). */
export const MAX_RAW_PHONE = 64;

/**
 * A phone number as E.164 with its candidate time zones. Numbers without a leading + (or 00 / 011 prefix, which
 * libphonenumber-js handles for the default country) are read in `defaultCountry`; without one, only international
 * numbers (+...) pass. Only valid numbers pass (a number libphonenumber-js merely finds "possible" is rejected: dialing it would fail or reach the wrong party).
 */
export function normalisePhone(raw: string, defaultCountry?: string): NormalisedPhone {
  const value = raw.trim();
  if (value === '') return { ok: false, reason: 'phone is empty' };
  if (value.length > MAX_RAW_PHONE) return { ok: false, reason: `phone is longer than ${MAX_RAW_PHONE} characters` };
  if (!/^[0-9+()\-.\s/]+(?:\s*(?:x|ext\.?)\s*\d+)?$/i.test(value)) return { ok: false, reason: 'phone has characters other than digits, spaces and + ( ) - . /' };
  const parsed = parsePhoneNumberFromString(value, defaultCountry as CountryCode | undefined);
  if (!parsed) return { ok: false, reason: 'not a phone number' };
  if (!parsed.isValid()) return { ok: false, reason: `not a valid number${parsed.country ? ` for ${parsed.country}` : ''}` };
  return { ok: true, e164: parsed.number, country: parsed.country, timeZones: zonesForNumber(parsed.country, parsed.countryCallingCode, parsed.nationalNumber) };
}

/** Is `country` a two-letter country libphonenumber-js knows (for ?country=)? */
export function isKnownCountry(country: string): boolean {
  return /^[A-Z]{2}$/.test(country) && isSupportedCountry(country);
}
