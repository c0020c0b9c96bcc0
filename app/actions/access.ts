'use server';

import { operations } from '@/lib/operations';
import { action } from '@/lib/operations/action';

/** The dashboard's doors onto users, members, environment protection and tokens: each made from its declaration (lib/operations/access.ts). */

export const createUserAction = action(operations.createUserOp);
export const updateUserAction = action(operations.updateUserOp);
export const addMemberAction = action(operations.addMemberOp);
export const setMemberAction = action(operations.setMemberOp);
export const removeMemberAction = action(operations.removeMemberOp);
export const protectEnvironmentAction = action(operations.protectEnvironmentOp);
export const createTokenAction = action(operations.createTokenOp);
export const revokeTokenAction = action(operations.revokeTokenOp);
