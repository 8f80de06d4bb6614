// The original system's schema. IF NOT EXISTS lets us adopt a database its own SQL script created.
import type { DialectSql } from './dialect-migration.ts';

const sqliteUuid = `(lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' ||
  substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) ||
  substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6))))`;

export const createTables: DialectSql = {
  postgresql: [
    `create table if not exists department (
      id uuid primary key default gen_random_uuid(),
      name varchar(255) not null,
      address varchar(255)
    )`,
    `create table if not exists "user" (
      id uuid primary key default gen_random_uuid(),
      name varchar(255) not null,
      email varchar(255) not null unique,
      department_id uuid references department (id) on delete set null,
      age int check (age >= 0),
      salary double precision check (salary >= 0)
    )`,
    `create table if not exists points (
      id uuid primary key default gen_random_uuid(),
      user_id uuid references "user" (id) on delete set null,
      points int
    )`,
    'create index if not exists points_user_id_idx on points (user_id)',
  ],
  mysql: [
    `create table if not exists department (
      id char(36) not null default (uuid()) primary key,
      name varchar(255) not null,
      address varchar(255) null
    ) engine = InnoDB default charset = utf8mb4`,
    `create table if not exists \`user\` (
      id char(36) not null default (uuid()) primary key,
      name varchar(255) not null,
      email varchar(255) not null unique,
      department_id char(36) null,
      age int null check (age >= 0),
      salary double null check (salary >= 0),
      constraint user_department_id_fk foreign key (department_id)
        references department (id) on delete set null
    ) engine = InnoDB default charset = utf8mb4`,
    `create table if not exists points (
      id char(36) not null default (uuid()) primary key,
      user_id char(36) null,
      points int null,
      index points_user_id_idx (user_id),
      constraint points_user_id_fk foreign key (user_id) references \`user\` (id) on delete set null
    ) engine = InnoDB default charset = utf8mb4`,
  ],
  sqlite: [
    `create table if not exists department (
      id text not null primary key default ${sqliteUuid},
      name text not null,
      address text
    )`,
    `create table if not exists "user" (
      id text not null primary key default ${sqliteUuid},
      name text not null,
      email text not null unique,
      department_id text references department (id) on delete set null,
      age integer check (age >= 0),
      salary real check (salary >= 0)
    )`,
    `create table if not exists points (
      id text not null primary key default ${sqliteUuid},
      user_id text references "user" (id) on delete set null,
      points integer
    )`,
    'create index if not exists points_user_id_idx on points (user_id)',
  ],
};
