/**
 * Runs examples/jest-cli-recording in CI: importing the example's test file
 * registers its tests here (Jest's roots are test/ only). It uses the built
 * package through its own name (`proxytape`, `proxytape/jest`), as a user would.
 */
import '../../examples/jest-cli-recording/users.test.js';
