/**
 * A small, strict XML reader for TwiML. Twilio rejects documents that are not well-formed XML
 * (error 12100), so this parser refuses them too: a service that passes here will not be refused
 * by Twilio for its syntax. It supports what TwiML uses: elements, attributes, text, the five
 * predefined entities and character references, CDATA, comments and processing instructions.
 */

export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlNode[];
}

export type XmlNode = XmlElement | string;

export class XmlParseError extends Error {
  constructor(message: string, readonly position: number) {
    super(`${message} (at character ${position})`);
    this.name = 'XmlParseError';
  }
}

const NAME_START = /[A-Za-z_:]/;
const NAME_CHAR = /[-A-Za-z0-9_:.]/;
const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** Parses a whole document and returns its root element; throws `XmlParseError` when malformed. */
export function parseXml(source: string): XmlElement {
  const reader = new Reader(source.replace(/^\uFEFF/, ''));
  reader.skipMisc();
  if (reader.peek() !== '<') reader.fail('expected the root element');
  const root = reader.element();
  reader.skipMisc();
  if (!reader.done()) reader.fail('unexpected content after the root element');
  return root;
}

/** The text inside an element and its descendants, with whitespace collapsed as a voice reads it. */
export function textContent(node: XmlNode): string {
  const raw = collectText(node);
  return raw.replace(/\s+/g, ' ').trim();
}

function collectText(node: XmlNode): string {
  if (typeof node === 'string') return node;
  return node.children.map(collectText).join('');
}

class Reader {
  #pos = 0;

  constructor(private readonly src: string) {}

  done(): boolean {
    return this.#pos >= this.src.length;
  }

  peek(offset = 0): string {
    return this.src[this.#pos + offset] ?? '';
  }

  startsWith(token: string): boolean {
    return this.src.startsWith(token, this.#pos);
  }

  fail(message: string): never {
    throw new XmlParseError(message, this.#pos);
  }

  expect(token: string): void {
    if (!this.startsWith(token)) this.fail(`expected "${token}"`);
    this.#pos += token.length;
  }

  skipWhitespace(): void {
    while (/\s/.test(this.peek())) this.#pos++;
  }

  /** Whitespace, comments, processing instructions and a doctype, as allowed around the root. */
  skipMisc(): void {
    for (;;) {
      this.skipWhitespace();
      if (this.startsWith('<?')) this.skipUntil('?>');
      else if (this.startsWith('<!--')) this.comment();
      else if (this.startsWith('<!DOCTYPE')) this.skipUntil('>');
      else return;
    }
  }

  skipUntil(token: string): void {
    const end = this.src.indexOf(token, this.#pos);
    if (end < 0) this.fail(`unterminated construct, expected "${token}"`);
    this.#pos = end + token.length;
  }

  comment(): void {
    this.expect('<!--');
    const end = this.src.indexOf('-->', this.#pos);
    if (end < 0) this.fail('unterminated comment');
    this.#pos = end + 3;
  }

  name(): string {
    const start = this.#pos;
    if (!NAME_START.test(this.peek())) this.fail('expected a name');
    while (NAME_CHAR.test(this.peek())) this.#pos++;
    return this.src.slice(start, this.#pos);
  }

  element(): XmlElement {
    this.expect('<');
    const name = this.name();
    const attributes: Record<string, string> = {};
    for (;;) {
      const hadSpace = /\s/.test(this.peek());
      this.skipWhitespace();
      if (this.startsWith('/>')) {
        this.#pos += 2;
        return { name, attributes, children: [] };
      }
      if (this.startsWith('>')) {
        this.#pos += 1;
        break;
      }
      if (!hadSpace) this.fail('expected whitespace before an attribute');
      const attrName = this.name();
      if (Object.hasOwn(attributes, attrName)) this.fail(`duplicate attribute "${attrName}"`);
      this.skipWhitespace();
      this.expect('=');
      this.skipWhitespace();
      attributes[attrName] = this.attributeValue();
    }
    const children = this.content(name);
    return { name, attributes, children };
  }

  attributeValue(): string {
    const quote = this.peek();
    if (quote !== '"' && quote !== "'") this.fail('expected a quoted attribute value');
    this.#pos++;
    const end = this.src.indexOf(quote, this.#pos);
    if (end < 0) this.fail('unterminated attribute value');
    const raw = this.src.slice(this.#pos, end);
    if (raw.includes('<')) this.fail('"<" is not allowed in an attribute value');
    const value = this.decode(raw, this.#pos);
    this.#pos = end + 1;
    return value;
  }

  content(parent: string): XmlNode[] {
    const children: XmlNode[] = [];
    let text = '';
    const flush = (): void => {
      if (text !== '') children.push(text);
      text = '';
    };
    for (;;) {
      if (this.done()) this.fail(`element <${parent}> is not closed`);
      if (this.startsWith('</')) {
        flush();
        this.#pos += 2;
        const closing = this.name();
        if (closing !== parent) this.fail(`expected </${parent}> but found </${closing}>`);
        this.skipWhitespace();
        this.expect('>');
        return children;
      }
      if (this.startsWith('<!--')) {
        this.comment();
      } else if (this.startsWith('<![CDATA[')) {
        this.#pos += 9;
        const end = this.src.indexOf(']]>', this.#pos);
        if (end < 0) this.fail('unterminated CDATA section');
        text += this.src.slice(this.#pos, end);
        this.#pos = end + 3;
      } else if (this.startsWith('<?')) {
        this.skipUntil('?>');
      } else if (this.peek() === '<') {
        flush();
        children.push(this.element());
      } else {
        const next = this.src.indexOf('<', this.#pos);
        const end = next < 0 ? this.src.length : next;
        text += this.decode(this.src.slice(this.#pos, end), this.#pos);
        this.#pos = end;
      }
    }
  }

  decode(raw: string, at: number): string {
    return raw.replace(/&([^;&\s]*);?/g, (match, ref: string) => {
      if (!match.endsWith(';')) throw new XmlParseError('unterminated entity reference', at);
      if (ref.startsWith('#x') || ref.startsWith('#X')) return codePoint(Number.parseInt(ref.slice(2), 16), at);
      if (ref.startsWith('#')) return codePoint(Number.parseInt(ref.slice(1), 10), at);
      const value = PREDEFINED[ref];
      if (value === undefined) throw new XmlParseError(`unknown entity "&${ref};"`, at);
      return value;
    });
  }
}

function codePoint(value: number, at: number): string {
  if (!Number.isInteger(value) || value <= 0 || value > 0x10ffff) {
    throw new XmlParseError('invalid character reference', at);
  }
  return String.fromCodePoint(value);
}
