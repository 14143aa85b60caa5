// The API documentation's "AI Course Generation" example, as written, through the unchanged
// @base44/sdk (invoke answers the axios response: its body is `.data`). Prints a JSON report.
import { createClient } from '@base44/sdk';

const [serverUrl, configJson] = process.argv.slice(2);
const config = JSON.parse(configJson);
const base44 = createClient({ serverUrl, appId: config.appId });
const report = {};

await base44.auth.loginViaEmailPassword(config.email, config.password);
const user = await base44.auth.me();

// Generate course content
const { course } = (await base44.functions.invoke('generateContentUpdates', {
  topic: 'Advanced TypeScript Patterns',
  level: 'advanced',
  duration: 180,
  includeQuizzes: true
})).data;
report.generated = course;

// Save to database
const savedCourse = await base44.entities.Course.create({
  ...course,
  created_by: user.email,
  is_published: false
});
report.saved = savedCourse;

// Generate project assignment
const { project } = (await base44.functions.invoke('generateProjectAssignment', {
  courseId: savedCourse.id,
  difficulty: 'advanced'
})).data;
report.project = project;

// Update course with project
await base44.entities.Course.update(savedCourse.id, {
  final_project: project
});
report.final = await base44.entities.Course.get(savedCourse.id);

console.log(JSON.stringify(report));
