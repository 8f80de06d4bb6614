// The three tables of the shared database (see docs/API.md, "Data model").
import { defineEntity, p } from '@mikro-orm/core';

export const Department = defineEntity({
  name: 'Department',
  tableName: 'department',
  properties: {
    id: p.uuid().primary(),
    name: p.string().length(255),
    address: p.string().length(255).nullable(),
  },
});

export const User = defineEntity({
  name: 'User',
  tableName: 'user',
  properties: {
    id: p.uuid().primary(),
    name: p.string().length(255),
    email: p.string().length(255).unique(),
    departmentId: p.uuid().nullable(),
    age: p.integer().nullable(),
    salary: p.double().nullable(),
  },
});

export const Points = defineEntity({
  name: 'Points',
  tableName: 'points',
  properties: {
    id: p.uuid().primary(),
    userId: p.uuid().nullable(),
    points: p.integer().nullable(),
  },
});

export const entities = [Department, User, Points];
