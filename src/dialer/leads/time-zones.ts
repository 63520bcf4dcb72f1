/**
 * Which IANA time zones a phone number may be in. libphonenumber-js knows a number's country but has no time zones, so
 * this is a small, documented table:
 * - NANP (+1, US and Canada): area code -> zone, for the area codes listed below (grouped by zone). An area code that
 *   spans two zones (e.g. 850 Florida panhandle, 208 Idaho, 605 South Dakota) gives both; an unknown US or
 *   Canadian area code gives every mainland zone of the country: the caller then applies the most restrictive window.
 * - Other countries: a single-zone country gives its zone; a few multi-zone countries give all their mainland zones;
 *   any other country gives [] (unknown: the campaign's own zone applies).
 * Sources: NANPA area code maps and the IANA tz database zone.tab (checked by hand; extend as campaigns need).
 */

const NANP_BY_ZONE: Record<string, string> = {
  'America/New_York':
    '201 202 203 207 606 931 260 317 574 765 212 215 216 223 229 234 239 240 248 267 272 276 283 301 302 304 305 313 315 321 326 330 332 336 339 347 351 352 380 386 401 404 407 410 412 413 419 423 434 440 443 445 448 470 475 478 484 502 508 513 516 517 518 540 551 561 567 570 571 585 586 603 607 609 610 614 617 631 640 646 656 667 678 680 681 689 703 704 706 716 717 718 724 727 732 734 740 743 754 757 762 772 774 781 786 802 803 804 810 813 814 828 835 839 843 845 848 850 854 856 857 859 860 862 863 864 865 878 904 908 910 912 914 917 919 929 934 937 941 947 954 959 973 978 980 984 989',
  'America/Chicago':
    '205 210 214 217 218 219 224 225 228 251 254 256 262 270 281 309 312 314 316 318 319 320 325 331 334 337 346 361 364 402 405 409 417 430 432 463 469 479 501 504 507 512 515 531 534 539 563 573 580 601 605 606 608 612 615 618 620 630 636 641 651 662 682 701 708 712 713 715 726 731 737 763 769 773 779 785 806 815 816 817 830 832 847 850 870 872 901 903 913 918 920 931 936 940 945 952 956 972 979',
  'America/Denver': '303 307 385 406 435 505 575 605 719 720 801 915 970 983 986 208',
  'America/Phoenix': '480 520 602 623 928',
  'America/Los_Angeles':
    '206 208 209 213 253 279 310 323 341 350 360 369 408 415 424 425 442 458 503 509 510 530 541 559 562 564 619 626 628 650 657 661 669 702 707 714 725 747 760 775 805 818 820 831 840 858 909 916 925 949 951 971',
  'America/Anchorage': '907',
  'Pacific/Honolulu': '808',
  'America/Toronto': '226 249 289 343 365 382 416 437 519 548 613 647 683 705 742 753 807 905 942 418 438 450 514 579 581 819 873 367 354 263 468',
  'America/Winnipeg': '204 431 584',
  'America/Regina': '306 639 474',
  'America/Edmonton': '403 587 780 825 368 867',
  'America/Vancouver': '236 250 604 672 778 257',
  'America/Halifax': '782 902 506 428',
  'America/St_Johns': '709 879',
};

/** Area code -> candidate zones (an area code listed under two zones spans both). */
const NANP: Map<string, string[]> = (() => {
  const m = new Map<string, string[]>();
  for (const [zone, codes] of Object.entries(NANP_BY_ZONE)) {
    for (const raw of codes.split(/\s+/)) {
      const code = raw;
      if (!/^\d{3}$/.test(code)) continue;
      const list = m.get(code) ?? [];
      if (!list.includes(zone)) list.push(zone);
      m.set(code, list);
    }
  }
  return m;
})();

const US_ZONES = ['America/New_York', 'America/Chicago', 'America/Denver', 'America/Phoenix', 'America/Los_Angeles', 'America/Anchorage', 'Pacific/Honolulu'];
const CA_ZONES = ['America/St_Johns', 'America/Halifax', 'America/Toronto', 'America/Winnipeg', 'America/Regina', 'America/Edmonton', 'America/Vancouver'];

/** Countries with one zone (ISO 3166-1 alpha-2 -> IANA). */
const SINGLE_ZONE: Record<string, string> = {
  GB: 'Europe/London', IE: 'Europe/Dublin', FR: 'Europe/Paris', DE: 'Europe/Berlin', NL: 'Europe/Amsterdam', BE: 'Europe/Brussels',
  LU: 'Europe/Luxembourg', CH: 'Europe/Zurich', AT: 'Europe/Vienna', IT: 'Europe/Rome', PL: 'Europe/Warsaw', CZ: 'Europe/Prague',
  SE: 'Europe/Stockholm', NO: 'Europe/Oslo', DK: 'Europe/Copenhagen', FI: 'Europe/Helsinki', GR: 'Europe/Athens', RO: 'Europe/Bucharest',
  HU: 'Europe/Budapest', SK: 'Europe/Bratislava', BG: 'Europe/Sofia', HR: 'Europe/Zagreb', SI: 'Europe/Ljubljana', UA: 'Europe/Kyiv',
  IN: 'Asia/Kolkata', JP: 'Asia/Tokyo', KR: 'Asia/Seoul', CN: 'Asia/Shanghai', SG: 'Asia/Singapore', HK: 'Asia/Hong_Kong',
  PH: 'Asia/Manila', IL: 'Asia/Jerusalem', AE: 'Asia/Dubai', ZA: 'Africa/Johannesburg', NG: 'Africa/Lagos', EG: 'Africa/Cairo',
  NZ: 'Pacific/Auckland', CO: 'America/Bogota', PE: 'America/Lima', PR: 'America/Puerto_Rico', JM: 'America/Jamaica',
  // Portugal and Spain have island zones; numbers are taken as mainland (documented simplification).
  PT: 'Europe/Lisbon', ES: 'Europe/Madrid',
};

/** Multi-zone countries: every mainland zone (ambiguous: the caller applies the most restrictive window). */
const MULTI_ZONE: Record<string, string[]> = {
  US: US_ZONES,
  CA: CA_ZONES,
  AU: ['Australia/Perth', 'Australia/Darwin', 'Australia/Adelaide', 'Australia/Brisbane', 'Australia/Sydney'],
  MX: ['America/Tijuana', 'America/Hermosillo', 'America/Mexico_City', 'America/Cancun'],
  BR: ['America/Manaus', 'America/Sao_Paulo'],
};

/**
 * Candidate zones of a number. `country` is libphonenumber-js's country of the number; `nationalNumber` its national
 * significant number (for NANP the first three digits are the area code). [] means unknown.
 */
export function zonesForNumber(country: string | undefined, callingCode: string, nationalNumber: string): string[] {
  if (callingCode === '1') {
    const byArea = NANP.get(nationalNumber.slice(0, 3));
    if (byArea) return [...byArea];
    if (country === 'CA') return [...CA_ZONES];
    if (country === 'US') return [...US_ZONES];
  }
  if (!country) return [];
  if (SINGLE_ZONE[country]) return [SINGLE_ZONE[country]];
  if (MULTI_ZONE[country]) return [...MULTI_ZONE[country]];
  return [];
}

/** True when the runtime's Intl knows the zone. */
export function isValidTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
