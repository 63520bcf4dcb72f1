import fs from 'node:fs';
import path from 'node:path';
import { pcreProblem } from '../../src/dialplan/pcre';
import { asIncludeText, validateDialplan } from '../../src/dialplan/validate';

const SHIPPED = fs.readFileSync(path.resolve(__dirname, '../../dialplans/public/00_switchboard.xml'), 'utf8');

/** An include with one extension whose first condition holds `inner` (and `condAttrs`). */
function doc(inner: string, condAttrs = 'field="destination_number" expression="^(\\d+)$"'): string {
  return `<include>\n  <extension name="ext1">\n    <condition ${condAttrs}>\n      ${inner}\n    </condition>\n  </extension>\n</include>\n`;
}

function messages(xml: string): string[] {
  return validateDialplan(xml).errors.map((e) => e.message);
}

describe('dialplan validation', () => {
  it('accepts the shipped dialplan and parses its extension', () => {
    const v = validateDialplan(SHIPPED, { context: 'public' });
    expect(v.errors).toEqual([]);
    expect(v.ok).toBe(true);
    expect(v.root).toBe('include');
    expect(v.extensions).toHaveLength(1);
    const ext = v.extensions[0]!;
    expect(ext.name).toBe('switchboard_inbound');
    expect(ext.conditions[0]).toMatchObject({ field: 'destination_number', expression: '^\\+?(\\d{3,15})$' });
    expect(ext.conditions[0]!.actions.map((a) => a.application)).toEqual(['multiset', 'park']);
    expect(ext.conditions[0]!.actions[0]!.data).toBe('switchboard_did=$1 switchboard_inbound=true hangup_after_bridge=true');
  });

  it('accepts the full condition vocabulary', () => {
    const xml = `<context name="default">
  <extension name="office_hours" continue="true">
    <condition wday="mon-fri" time-of-day="08:00-17:30" break="never">
      <action application="set" data="open=true" inline="true"/>
      <anti-action application="set" data="open=false"/>
    </condition>
    <condition regex="any" break="on-true">
      <regex field="caller_id_number" expression="^1001$"/>
      <regex field="destination_number" expression="^(?:\\+1)?800\\d{7}$"/>
      <action application="log" data="INFO matched"/>
    </condition>
    <condition field="\${open}" expression="^true$" require-nested="false">
      <condition hour="9-17" mon="1-12" mday="1-31" year="2026" yday="1-366" week="1-53" mweek="1-6" minute="0-59" minute-of-day="1-1440"/>
      <condition date-time="2026-12-24 00:00~2026-12-26 23:59" tz-offset="-5" dst="false">
        <action application="playback" data="/sounds/closed.wav"/>
      </condition>
      <action application="bridge" data="user/1001@\${domain_name}"/>
      <anti-action application="hangup" data="NORMAL_CLEARING"/>
    </condition>
  </extension>
</context>`;
    const v = validateDialplan(xml, { context: 'default' });
    expect(v.errors).toEqual([]);
    expect(v.root).toBe('context');
    const conds = v.extensions[0]!.conditions;
    expect(conds[0]!.time).toEqual({ wday: 'mon-fri', 'time-of-day': '08:00-17:30' });
    expect(conds[1]!.regex).toBe('any');
    expect(conds[1]!.regexes).toHaveLength(2);
    expect(conds[2]!.conditions).toHaveLength(2);
    expect(conds[2]!.anti_actions[0]!.application).toBe('hangup');
    // A <context> root must name the context it is stored as.
    expect(validateDialplan(xml.replace('name="default"', 'name="other"'), { context: 'default' }).errors[0]!.message).toMatch(/does not match the context/);
    expect(validateDialplan(xml, { context: 'other' }).ok).toBe(false);
  });

  it('refuses malformed XML with its line', () => {
    const v = validateDialplan('<include>\n  <extension name="a">\n    <condition>\n  </extension>\n</include>');
    expect(v.ok).toBe(false);
    expect(v.errors[0]!.message).toMatch(/malformed XML/);
    expect(v.errors[0]!.line).toBe(4);
    expect(messages('')).toEqual(['the dialplan is empty']);
    expect(messages('<include><extension name="a&b"><condition/></extension></include>').join()).toMatch(/bare `&`/);
    expect(messages('<include><extension name="a<b"><condition/></extension></include>').join()).toMatch(/`<` inside an attribute/);
  });

  it('refuses unknown elements and attributes, naming extension, condition and line', () => {
    const v = validateDialplan(doc('<action application="log" data="x" colour="red"/>\n      <script>run()</script>'));
    expect(v.ok).toBe(false);
    expect(v.errors).toEqual([
      expect.objectContaining({ extension: 'ext1', extension_index: 1, condition: '1', line: 4, message: expect.stringMatching(/unknown attribute "colour" on <action>.*known: application, data, inline/) }),
      expect.objectContaining({ extension: 'ext1', condition: '1', line: 5, message: expect.stringMatching(/<script> is not allowed inside <condition>/) }),
    ]);
    expect(messages('<dialplan><extension name="a"/></dialplan>').join()).toMatch(/root element must be <include> or <context/);
    expect(messages('<include><extension name="a" priority="1"><condition/></extension></include>').join()).toMatch(/unknown attribute "priority" on <extension>/);
    expect(messages('<include><extension name="a"><condition bogus="1"/></extension></include>').join()).toMatch(/unknown attribute "bogus" on <condition>/);
    expect(messages('<include><extension name="a"><condition/><action application="log"/></extension></include>').join()).toMatch(/<action> is not allowed inside <extension>/);
  });

  it('refuses structural mistakes', () => {
    expect(messages('<include></include>').join()).toMatch(/has no <extension>/);
    expect(messages('<include><extension><condition/></extension></include>').join()).toMatch(/needs a non-empty name/);
    expect(messages('<include><extension name="a"/></include>').join()).toMatch(/has no <condition>/);
    expect(messages(doc('', 'field="destination_number"')).join()).toMatch(/needs an expression/);
    expect(messages(doc('', 'expression="^1$"')).join()).toMatch(/expression needs a field/);
    expect(messages(doc('', 'field="a" expression="b" break="sometimes"')).join()).toMatch(/break must be on-false, on-true, always or never/);
    expect(messages(doc('<regex field="a" expression="b"/>')).join()).toMatch(/<regex> is only allowed in a condition with regex=/);
    expect(messages(doc('', 'regex="all"')).join()).toMatch(/needs at least one <regex>/);
    expect(messages(doc('', 'wday="someday"')).join()).toMatch(/wday="someday" is not valid/);
    expect(messages(doc('', 'time-of-day="8am-5pm"')).join()).toMatch(/time-of-day="8am-5pm" is not valid/);
    expect(messages(doc('<action data="x"/>')).join()).toMatch(/needs an application attribute/);
    expect(messages(doc('<action application="log" inline="yes"/>')).join()).toMatch(/inline must be true or false/);
    expect(messages('<include><extension name="a" continue="maybe"><condition/></extension></include>').join()).toMatch(/continue must be true or false/);
    expect(messages('<include><extension name="a"><condition/></extension><extension name="a"><condition/></extension></include>').join()).toMatch(
      /extension "a" \(#2\).*already used by extension #1/,
    );
    expect(messages('<include>hello<extension name="a"><condition/></extension></include>').join()).toMatch(/unexpected text/);
  });

  it('refuses regexes that do not compile or use PCRE-only syntax, naming extension and condition', () => {
    const bad = validateDialplan(doc('<action application="log"/>', 'field="destination_number" expression="^(\\d+$"'));
    expect(bad.errors[0]).toMatchObject({ extension: 'ext1', condition: '1', line: 3 });
    expect(bad.errors[0]!.message).toMatch(/^extension "ext1" \(#1\), condition 1 \(line 3\): expression "\^\(\\d\+\$" is not a valid regular expression/);
    const cases: Array<[string, RegExp]> = [
      ['^\\d++$', /possessive quantifier/],
      ['^a*+b$', /possessive quantifier/],
      ['^\\d{3}+$', /possessive quantifier/],
      ['^(?>abc)$', /atomic group/],
      ['\\A1000\\Z', /start-of-subject anchor/],
      ['^1000\\z', /end-of-subject anchor/],
      ['(?i)^abc$', /inline modifiers/],
      ['(?i:abc)', /inline modifiers/],
      ['(?P&lt;n>1)', /Python-style/],
      ['[[:digit:]]+', /POSIX class/],
      ['(?#comment)1', /comment group/],
      ['\\Q.\\E', /quoting/],
      ['(?R)', /recursion/],
      ['[]a]', /first in a character class/],
    ];
    for (const [expr, re] of cases) {
      const errs = messages(doc('<action application="log"/>', `field="destination_number" expression="${expr}"`));
      expect({ expr, errs: errs.join() }).toEqual({ expr, errs: expect.stringMatching(re) });
    }
    // Nested conditions and <regex> children are checked too.
    const nested = validateDialplan(doc('<condition field="a" expression="(?>x)"/>'));
    expect(nested.errors[0]).toMatchObject({ condition: '1.1', line: 4 });
    const inRegex = validateDialplan(doc('<regex field="a" expression="x++"/>', 'regex="any"'));
    expect(inRegex.errors[0]!.message).toMatch(/possessive/);
  });

  it('accepts the regex syntax PCRE and JavaScript share', () => {
    for (const expr of ['^\\+?1?(\\d{10})$', '^(?:9|00)(\\d+)$', '^(?<ext>\\d{4})$', '^(10[01][0-9])$', '^\\*98$', '^[^0-9]+$', '^(?=1)\\d+', '^a+?b*?$', '^[\\]a]$', '^\\+\\+$']) {
      expect({ expr, problem: pcreProblem(expr) }).toEqual({ expr, problem: null });
    }
  });

  it('refuses shell applications and command-running expansions', () => {
    expect(messages(doc('<action application="system" data="rm -rf /"/>')).join()).toMatch(/application "system" is not allowed: it runs shell commands/);
    expect(messages(doc('<anti-action application="bg_system" data="x"/>')).join()).toMatch(/application "bg_system" is not allowed/);
    expect(messages(doc('<action application="Set" data="x"/>')).join()).toMatch(/not a valid application name/);
    expect(messages(doc('<action application="set" data="x=${system(id)}"/>')).join()).toMatch(/contains "\$\{system\("/);
    expect(messages(doc('<action application="set" data="x=${ api(status)}"/>')).join()).toMatch(/contains "\$\{api\("/);
    expect(messages(doc('<action application="log" data="${bg_system(id)}"/>')).join()).toMatch(/contains "\$\{bg_system\("/);
    expect(messages(doc('<action application="log"/>', 'field="${system(id)}" expression="^x$"')).join()).toMatch(/field on <condition> contains/);
    expect(messages(doc('<action application="set" data="api_hangup_hook=system /bin/sh -c x"/>')).join()).toMatch(/sets api_hangup_hook to run "system"/);
    expect(messages(doc('<action application="export" data="nolocal:execute_on_answer=bg_system x"/>')).join()).toMatch(/execute_on_answer/);
    // Ordinary expansions stay allowed.
    expect(validateDialplan(doc('<action application="bridge" data="${sofia_contact(1001@${domain_name})}"/>')).ok).toBe(true);
    expect(validateDialplan(doc('<action application="set" data="execute_on_answer=record_session /tmp/x.wav"/>')).ok).toBe(true);
  });

  it('refuses X-PRE-PROCESS anywhere (FreeSWITCH reads it inside comments) and DOCTYPEs', () => {
    expect(messages('<include>\n<!-- <X-PRE-PROCESS cmd="exec" data="id"/> -->\n<extension name="a"><condition/></extension></include>')).toEqual([
      expect.stringMatching(/^line 2: <X-PRE-PROCESS> is not allowed/),
    ]);
    expect(messages('<!DOCTYPE x [<!ENTITY a "b">]><include/>').join()).toMatch(/DOCTYPE/);
  });

  it('turns a <context> root into an <include> for a context folder, keeping the rest as written', () => {
    const xml = '<?xml version="1.0"?>\n<!-- mine -->\n<context name="c1">\n  <extension name="a"><condition/></extension>\n</context>\n';
    const v = validateDialplan(xml);
    expect(v.ok).toBe(true);
    expect(asIncludeText(xml, v)).toBe('<?xml version="1.0"?>\n<!-- mine -->\n<include>\n  <extension name="a"><condition/></extension>\n</include>\n');
    expect(asIncludeText(SHIPPED, validateDialplan(SHIPPED))).toBe(SHIPPED);
  });
});
