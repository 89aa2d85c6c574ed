import { describe, expect, it } from 'vitest';
import { splitInline } from './inline-args.ts';

describe('inline command lines, split as Redis splits them', () => {
  it('when arguments are separated by runs of spaces and tabs, then each run is one separator', () => {
    expect(splitInline('  SET \t k   v ')).toEqual(['SET', 'k', 'v']);
    expect(splitInline('   ')).toEqual([]);
  });

  it('when an argument is in double quotes, then its spaces stay and its escapes become bytes', () => {
    expect(splitInline('SET greeting "hello world"')).toEqual(['SET', 'greeting', 'hello world']);
    expect(splitInline('SET k "a\\x41\\n\\t\\"\\\\"')).toEqual(['SET', 'k', 'aA\n\t"\\']);
    expect(splitInline('SET "bin:\\xff" v')).toEqual(['SET', 'bin:\xff', 'v']);
    expect(splitInline('ECHO ""')).toEqual(['ECHO', '']);
  });

  it('when an escape is not one Redis knows, then the escaped character is kept as it is', () => {
    expect(splitInline('ECHO "\\q" "x\\x4"')).toEqual(['ECHO', 'q', 'xx4']);
  });

  it("when an argument is in single quotes, then only \\' is an escape", () => {
    expect(splitInline("SET k 'it\\'s \\n'")).toEqual(['SET', 'k', "it's \\n"]);
  });

  it('when a quote opens in the middle of an argument, then the quoted part joins it', () => {
    expect(splitInline('SET k a"b c"')).toEqual(['SET', 'k', 'ab c']);
  });

  it('when a quote is left open or a closing quote is followed by more text, then the line is invalid', () => {
    expect(splitInline('SET k "unbalanced')).toBeUndefined();
    expect(splitInline("SET k 'open")).toBeUndefined();
    expect(splitInline('SET "a"b c')).toBeUndefined();
    expect(splitInline("SET 'it''s' v")).toBeUndefined();
  });

  it('when the line holds a NUL byte, then it ends there, as a C string does', () => {
    expect(splitInline('SET k v\0rest')).toEqual(['SET', 'k', 'v']);
  });
});
