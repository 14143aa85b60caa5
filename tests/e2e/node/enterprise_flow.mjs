// The documented "Enterprise Bulk Enrollment" example, run by an organization's admin
// through the unchanged @base44/sdk (invoke answers the axios response: its body is
// `.data`), plus what the example must refuse. Prints a JSON report.
import { createClient } from '@base44/sdk';

const [serverUrl, configJson] = process.argv.slice(2);
const config = JSON.parse(configJson);
const report = {};
const base44 = createClient({ serverUrl, appId: config.appId });

async function refusal(fn) {
  try {
    await fn();
    return { ok: true };
  } catch (error) {
    const envelope = error.response?.data;
    return { ok: false, status: error.status ?? error.response?.status, code: envelope?.code ?? error.code };
  }
}

await base44.auth.loginViaEmailPassword(config.email, config.password);

// 1. Provision users
const { users } = (await base44.functions.invoke('provisionUsers', {
  users: [
    { email: 'emp1@company.com', full_name: 'Employee 1' },
    { email: 'emp2@company.com', full_name: 'Employee 2' }
  ],
  organizationId: config.organizationId
})).data;
report.provisioned = users;

// 2. Enroll in courses
const courseIds = config.courseIds;
report.enrollments = [];
for (const user of users) {
  for (const courseId of courseIds) {
    const enrollment = await base44.entities.Enrollment.create({
      course_id: courseId,
      student_email: user.email,
      enrolled_at: new Date(),
      status: 'active'
    });
    report.enrollments.push(enrollment);
  }
}

// 3. Track progress
const { users: progress } = (await base44.functions.invoke('enterpriseGetProgress', {
  organizationId: config.organizationId,
  startDate: '2026-01-01',
  endDate: '2026-01-31'
})).data;
report.progress = progress;
report.progressToday = (await base44.functions.invoke('enterpriseGetProgress', {
  organizationId: config.organizationId, startDate: config.today, endDate: config.today
})).data;

// What the example must refuse.
report.nonMember = await refusal(() => base44.entities.Enrollment.create({
  course_id: courseIds[0], student_email: config.outsider, enrolled_at: new Date(), status: 'active' }));
await base44.functions.invoke('provisionUsers', {
  users: [{ email: 'emp3@company.com', full_name: 'Employee 3' }], organizationId: config.organizationId });
report.noSeatsLeft = await refusal(() => base44.entities.Enrollment.create({
  course_id: courseIds[1], student_email: 'emp3@company.com', enrolled_at: new Date(), status: 'active' }));
report.otherOrganization = await refusal(() => base44.functions.invoke('provisionUsers', {
  users: [{ email: 'spy@company.com' }], organizationId: config.otherOrganizationId }));
report.listed = await base44.entities.Enrollment.list();

console.log(JSON.stringify(report));
