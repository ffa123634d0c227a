/** Where the package lives on disk (models/ and web/ are found relative to it). */
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

export const PACKAGE_ROOT_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..')
