// The MedLocal version written into run manifests, read from package.json at build time.
import packageJson from '../../package.json';

export const MEDLOCAL_VERSION: string = packageJson.version;
