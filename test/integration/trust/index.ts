// Entry of the Workspace Trust suite: the same runner as the main suite, over the files next to it.
export { run } from '../suite/index';
