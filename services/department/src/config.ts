import { type BaseConfig, baseSchema, loadConfig } from '@backend/common/config';

export const departmentSchema = {
  ...baseSchema,
  port: { ...baseSchema.port, default: 8081 },
};

export type DepartmentConfig = BaseConfig;

export const loadDepartmentConfig = (env: NodeJS.ProcessEnv) =>
  loadConfig<DepartmentConfig>(departmentSchema, env);
