import { notFound } from 'next/navigation';
import { DomainError } from '../errors';

/** Runs a read for a page; an unknown id renders the 404 page instead of an error. */
export async function orNotFound<T>(read: Promise<T>): Promise<T> {
  try {
    return await read;
  } catch (error) {
    if (error instanceof DomainError && error.code === 'not_found') notFound();
    throw error;
  }
}
