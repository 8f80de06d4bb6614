import test from 'ava';
import { formatFixed2, formatInteger } from './format.ts';

test('two decimals as in the spec sample', (t) => {
  t.is(formatFixed2(281 / 9), '31.22');
  t.is(formatFixed2(615000 / 9), '68333.33');
  t.is(formatFixed2(90000), '90000.00');
  t.is(formatFixed2(0), '0.00');
});

test('exact ties round half to even, as Go does', (t) => {
  t.is(formatFixed2(0.125), '0.12');
  t.is(formatFixed2(0.375), '0.38');
  t.is(formatFixed2(30.625), '30.62');
  t.is(formatFixed2(30.875), '30.88');
  t.is(formatFixed2(2.5), '2.50');
});

test('values just off a tie round to nearest', (t) => {
  t.is(formatFixed2(0.125000001), '0.13');
  t.is(formatFixed2(1.005), '1.00'); // 1.005 is stored as 1.00499999999999989...
  t.is(formatFixed2(68333.335), '68333.34'); // stored just above the tie
});

test('integers print without decimals', (t) => {
  t.is(formatInteger(40), '40');
  t.is(formatInteger(0), '0');
});
