// The server's version, from the bundled package.json.
import manifest from '../../package.json';

export const SERVER_VERSION: string = manifest.version;
