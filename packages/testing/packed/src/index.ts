export {
  createScratchProject,
  markdownCodeBlock,
  npmCli,
  packPackage,
  packPublicPackages,
  publicPackages,
  repoRoot,
  run,
  type PublicPackage,
  type RunResult,
  type ScratchProject,
} from './scratch-project.js';
