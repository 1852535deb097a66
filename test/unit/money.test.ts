import { describe, expect, test } from '@jest/globals';
import { isCurrencyCode, minorUnitExponent, parseDecimal, toDecimalString } from '../../src/catalog/money.js';

describe('money', () => {
  test.each([
    [1999, 'USD', '19.99'],
    [5, 'USD', '0.05'],
    [0, 'USD', '0.00'],
    [-5, 'USD', '-0.05'],
    [100000, 'EUR', '1000.00'],
    [500, 'JPY', '500'],
    [1234, 'KWD', '1.234'],
    [7, 'BHD', '0.007'],
    [12345, 'OMR', '12.345'],
  ])('%i %s -> "%s"', (amount, currency, text) => {
    expect(toDecimalString(amount, currency)).toBe(text);
    expect(parseDecimal(text, currency)).toBe(amount);
  });

  test.each([
    ['19.9', 'USD', 1990],
    ['19', 'USD', 1900],
    ['19.', 'USD', 1900],
    ['+3.5', 'EUR', 350],
    [' 7.25 ', 'GBP', 725],
    ['1000', 'JPY', 1000],
  ])('parses "%s" %s as %i', (text, currency, amount) => {
    expect(parseDecimal(text, currency)).toBe(amount);
  });

  test.each([
    ['19.999', 'USD', /more than 2 decimal places/],
    ['1.5', 'JPY', /more than 0 decimal places/],
    ['1e3', 'USD', /not a decimal amount/],
    ['', 'USD', /not a decimal amount/],
    ['1,000.00', 'USD', /not a decimal amount/],
    ['12', 'XYZ', /unknown currency/],
    ['99999999999999999', 'USD', /too large/],
  ])('rejects "%s" %s', (text, currency, message) => {
    expect(() => parseDecimal(text, currency)).toThrow(message);
  });

  test('every amount round-trips exactly through its decimal string', () => {
    for (const currency of ['USD', 'JPY', 'KWD']) {
      for (let amount = -2000; amount <= 200000; amount += 997) {
        expect(parseDecimal(toDecimalString(amount, currency), currency)).toBe(amount);
      }
    }
  });

  test('refuses fractional minor units', () => {
    expect(() => toDecimalString(19.5, 'USD')).toThrow(/integer/);
  });

  test('knows ISO 4217 exponents and codes', () => {
    expect(minorUnitExponent('USD')).toBe(2);
    expect(minorUnitExponent('JPY')).toBe(0);
    expect(minorUnitExponent('IQD')).toBe(3);
    expect(isCurrencyCode('EUR')).toBe(true);
    expect(isCurrencyCode('eur')).toBe(false);
    expect(isCurrencyCode('ABC')).toBe(false);
  });
});
