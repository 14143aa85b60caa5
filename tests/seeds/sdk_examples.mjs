// The SparkAcademy seed document's SDK examples, each as written, through the unchanged
// @base44/sdk. Only the SDK's own names differ (signUp -> register, signIn ->
// loginViaEmailPassword, signOut -> logout; invoke answers axios's response, the
// function's answer in `data`). Run one: node sdk_examples.mjs <sdk> <serverUrl> <example> <config>;
// prints {ok, value} or {ok: false, status, body}.
import { pathToFileURL } from 'node:url';

const [sdkEntry, serverUrl, example, configJson] = process.argv.slice(2);
const { createClient } = await import(pathToFileURL(sdkEntry).href);
const ctx = JSON.parse(configJson);

// "Client Initialization", with make dev's settings in the environment it reads.
process.env.VITE_BASE44_APP_ID = 'sparkacademy';
process.env.VITE_BASE44_SERVER_URL = serverUrl;
if (ctx.appToken) process.env.VITE_BASE44_TOKEN = ctx.appToken;
const base44 = createClient({
  appId: process.env.VITE_BASE44_APP_ID,
  serverUrl: process.env.VITE_BASE44_SERVER_URL,
  token: process.env.VITE_BASE44_TOKEN,
  functionsVersion: 'v1',
  requiresAuth: false
});
if (ctx.email) await base44.auth.loginViaEmailPassword(ctx.email, ctx.password);
const user = ctx.email ? await base44.auth.me() : null;

// A browser's window for the "Complete Course Purchase Flow": the redirect to Checkout is
// followed by paying with Stripe's test card on the local checkout page.
const window = { location: { origin: 'http://127.0.0.1:5173', search: '', href: '' } };
async function payAt(url) {
  const paid = await fetch(url, {
    method: 'POST',
    body: new URLSearchParams({ card_number: '4242424242424242', expiry: '12/34', cvc: '123' }),
    redirect: 'manual',
  });
  const location = new URL(paid.headers.get('location'));
  window.location.search = location.search;
}
let navigatedTo = null;
const navigate = (path) => { navigatedTo = path; };

const examples = {
  // --- Authentication
  signUp: async () => {
    const { user, session } = await base44.auth.register({
      email: 'student@example.com',
      password: 'SecurePass123!',
      data: {
        role: 'student',
        full_name: 'John Doe'
      }
    });
    return { user, session };
  },
  signIn: async () => {
    const { user, access_token } = await base44.auth.loginViaEmailPassword('student@example.com', 'SecurePass123!');
    return { user, access_token };
  },
  me: async () => {
    const user = await base44.auth.me();
    return user;
  },
  signOut: async () => {
    await base44.auth.logout();
    return { afterSignOut: await base44.auth.me().then(() => 'still signed in', (e) => e.status) };
  },
  appTokenCatalogue: async () => base44.entities.Course.filter({ is_published: true, category: 'programming' }),

  // --- Payment functions
  createStripeCheckout: async () => (await base44.functions.invoke('createStripeCheckout', {
    courseId: 'crs_abc123',
    successUrl: 'https://sparkacademy.com/success',
    cancelUrl: 'https://sparkacademy.com/cancel'
  })).data,
  createSubscriptionCheckout: async () => (await base44.functions.invoke('createSubscriptionCheckout', {
    planId: 'plan_monthly',
    successUrl: 'https://sparkacademy.com/success',
    cancelUrl: 'https://sparkacademy.com/cancel'
  })).data,
  createPortalSession: async () => (await base44.functions.invoke('createPortalSession', {
    returnUrl: 'https://sparkacademy.com/dashboard'
  })).data,
  // The three verify examples name `cs_test_abc123`; a real checkout's id stands for it.
  verifyStripeSession: async () => (await base44.functions.invoke('verifyStripeSession', {
    sessionId: ctx.sessionId
  })).data,
  verifyCourseCheckout: async () => (await base44.functions.invoke('verifyCourseCheckout', {
    sessionId: ctx.sessionId
  })).data,
  verifySubscriptionSession: async () => (await base44.functions.invoke('verifySubscriptionSession', {
    sessionId: ctx.sessionId
  })).data,
  createCourseCheckout: async () => (await base44.functions.invoke('createCourseCheckout', {
    courseIds: ['crs_abc123', 'crs_def456'],
    successUrl: 'https://sparkacademy.com/success',
    cancelUrl: 'https://sparkacademy.com/cancel'
  })).data,

  // --- AI functions
  generateContentUpdates: async () => (await base44.functions.invoke('generateContentUpdates', {
    topic: 'Introduction to React Hooks',
    level: 'intermediate',
    duration: 120, // minutes
    includeQuizzes: true
  })).data,
  generateRecommendations: async () => (await base44.functions.invoke('generateRecommendations', {
    studentEmail: 'student@example.com',
    limit: 5
  })).data,
  generateProjectAssignment: async () => (await base44.functions.invoke('generateProjectAssignment', {
    courseId: 'crs_abc123',
    difficulty: 'intermediate'
  })).data,
  generateCourseFeedback: async () => (await base44.functions.invoke('generateCourseFeedback', {
    studentEmail: 'student@example.com',
    courseId: 'crs_abc123'
  })).data,

  // --- Certificate functions
  generateCertificate: async () => (await base44.functions.invoke('generateCertificate', {
    enrollmentId: 'enr_abc123'
  })).data,
  generateCourseCertificate: async () => (await base44.functions.invoke('generateCourseCertificate', {
    courseId: 'crs_abc123',
    studentEmail: 'student@example.com'
  })).data,

  // --- Video functions
  createVideoSession: async () => (await base44.functions.invoke('createVideoSession', {
    courseId: 'crs_abc123',
    title: 'Live Q&A Session',
    scheduledFor: '2026-01-20T14:00:00Z',
    duration: 60
  })).data,
  endVideoSession: async () => (await base44.functions.invoke('endVideoSession', {
    sessionId: 'vid_abc123'
  })).data,
  getRecordings: async () => (await base44.functions.invoke('getRecordings', {
    courseId: 'crs_abc123'
  })).data,

  // --- Enterprise functions
  provisionUsers: async () => (await base44.functions.invoke('provisionUsers', {
    users: [
      { email: 'user1@company.com', full_name: 'User One', role: 'student' },
      { email: 'user2@company.com', full_name: 'User Two', role: 'student' }
    ],
    organizationId: 'org_abc123'
  })).data,
  enterpriseProvisionUsers: async () => (await base44.functions.invoke('enterpriseProvisionUsers', {
    users: [
      {
        email: 'user@company.com',
        full_name: 'User Name',
        department: 'Engineering',
        employee_id: 'EMP001',
        manager_email: 'manager@company.com',
        custom_fields: { team: 'Frontend' }
      }
    ],
    organizationId: 'org_abc123'
  })).data,
  analyzeTeamSkills: async () => (await base44.functions.invoke('analyzeTeamSkills', {
    organizationId: 'org_abc123',
    teamId: 'team_eng'
  })).data,
  analyzeEnterpriseSkillGaps: async () => (await base44.functions.invoke('analyzeEnterpriseSkillGaps', {
    organizationId: 'org_abc123',
    targetSkills: ['React', 'TypeScript', 'AWS', 'Kubernetes']
  })).data,
  enterpriseGetProgress: async () => (await base44.functions.invoke('enterpriseGetProgress', {
    organizationId: 'org_abc123',
    startDate: '2026-01-01',
    endDate: '2026-01-31'
  })).data,
  calculateTrainingROI: async () => (await base44.functions.invoke('calculateTrainingROI', {
    organizationId: 'org_abc123',
    programId: 'prog_abc123',
    costData: {
      training_cost: 100000,
      employee_hours: 5000,
      avg_hourly_rate: 50
    }
  })).data,

  // --- HR integration functions
  syncBambooHREmployees: async () => (await base44.functions.invoke('syncBambooHREmployees', {
    integration_id: 'int_bamboo123'
  })).data,
  syncWorkdayEmployees: async () => (await base44.functions.invoke('syncWorkdayEmployees', {
    integration_id: 'int_workday123'
  })).data,
  pushLearningDataToHR: async () => (await base44.functions.invoke('pushLearningDataToHR', {
    integration_id: 'int_bamboo123',
    startDate: '2026-01-01',
    endDate: '2026-01-31'
  })).data,
  testSSOConnection: async () => (await base44.functions.invoke('testSSOConnection', {
    sso_provider: 'okta',
    domain: 'company.okta.com'
  })).data,

  // --- Export functions
  exportScorm: async () => (await base44.functions.invoke('exportScorm', {
    courseId: 'crs_abc123'
  })).data,
  exportXapi: async () => (await base44.functions.invoke('exportXapi', {
    courseId: 'crs_abc123'
  })).data,

  // --- Admin functions
  listPaidUsers: async () => (await base44.functions.invoke('listPaidUsers', {
    page: 1,
    limit: 100
  })).data,
  syncCoursePurchases: async () => (await base44.functions.invoke('syncCoursePurchases', {
    startDate: '2026-01-01',
    endDate: '2026-01-31'
  })).data,
  syncStripeSubscriptions: async () => (await base44.functions.invoke('syncStripeSubscriptions')).data,

  // --- Entity APIs
  courseCreate: async () => {
    const course = await base44.entities.Course.create({
      title: 'React Fundamentals',
      description: 'Learn React basics',
      category: 'programming',
      level: 'beginner',
      price: 49.99,
      is_published: false,
      created_by: user.email
    });
    return course;
  },
  courseGet: async () => base44.entities.Course.get('crs_abc123'),
  courseUpdate: async () => {
    const updated = await base44.entities.Course.update('crs_abc123', {
      is_published: true,
      price: 39.99
    });
    return updated;
  },
  courseList: async () => {
    const courses = await base44.entities.Course.filter({
      is_published: true,
      category: 'programming'
    });
    return courses;
  },
  courseDelete: async () => {
    await base44.entities.Course.delete('crs_abc123');
    return { afterDelete: await base44.entities.Course.get('crs_abc123').then(() => 'still there', (e) => e.status) };
  },
  enrollmentCreate: async () => {
    const enrollment = await base44.entities.Enrollment.create({
      course_id: 'crs_abc123',
      student_email: 'student@example.com',
      enrolled_at: new Date(),
      status: 'active'
    });
    return enrollment;
  },
  enrollmentFilter: async () => {
    const enrollments = await base44.entities.Enrollment.filter({
      student_email: 'student@example.com'
    });
    return enrollments;
  },
  progressCreate: async () => {
    const progress = await base44.entities.Progress.create({
      enrollment_id: 'enr_abc123',
      module_id: 'mod_abc123',
      lesson_id: 'les_abc123',
      completed: true,
      completed_at: new Date()
    });
    return progress;
  },
  progressFilter: async () => {
    const progress = await base44.entities.Progress.filter({
      enrollment_id: 'enr_abc123'
    });
    return progress;
  },

  // --- Code Examples
  completeCoursePurchaseFlow: async () => {
    // 1. Create checkout session
    const { data: { url } } = await base44.functions.invoke('createStripeCheckout', {
      courseId: 'crs_abc123',
      successUrl: window.location.origin + '/success?session_id={CHECKOUT_SESSION_ID}',
      cancelUrl: window.location.origin + '/courses'
    });

    // 2. Redirect to Stripe
    window.location.href = url;
    await payAt(window.location.href);

    // 3. On success page, verify payment
    const params = new URLSearchParams(window.location.search);
    const sessionId = params.get('session_id');

    const { data: { enrollment } } = await base44.functions.invoke('verifyStripeSession', {
      sessionId
    });

    // 4. Redirect to course
    navigate(`/courses/${enrollment.course_id}/learn`);
    return { url, sessionId, enrollment, navigatedTo };
  },
  aiCourseGeneration: async () => {
    // Generate course content
    const { data: { course } } = await base44.functions.invoke('generateContentUpdates', {
      topic: 'Advanced TypeScript Patterns',
      level: 'advanced',
      duration: 180,
      includeQuizzes: true
    });

    // Save to database
    const savedCourse = await base44.entities.Course.create({
      ...course,
      created_by: user.email,
      is_published: false
    });

    // Generate project assignment
    const { data: { project } } = await base44.functions.invoke('generateProjectAssignment', {
      courseId: savedCourse.id,
      difficulty: 'advanced'
    });

    // Update course with project
    await base44.entities.Course.update(savedCourse.id, {
      final_project: project
    });
    return { savedCourse, project, final: await base44.entities.Course.get(savedCourse.id) };
  },
  enterpriseBulkEnrollment: async () => {
    // 1. Provision users
    const { data: { users } } = await base44.functions.invoke('provisionUsers', {
      users: [
        { email: 'emp1@company.com', full_name: 'Employee 1' },
        { email: 'emp2@company.com', full_name: 'Employee 2' }
      ],
      organizationId: 'org_abc123'
    });

    // 2. Enroll in courses
    const courseIds = ['crs_abc123', 'crs_def456'];
    const enrollments = [];

    for (const user of users) {
      for (const courseId of courseIds) {
        enrollments.push(await base44.entities.Enrollment.create({
          course_id: courseId,
          student_email: user.email,
          enrolled_at: new Date(),
          status: 'active'
        }));
      }
    }

    // 3. Track progress
    const { data: { users: progress } } = await base44.functions.invoke('enterpriseGetProgress', {
      organizationId: 'org_abc123',
      startDate: '2026-01-01',
      endDate: '2026-01-31'
    });
    return { users, enrollments, progress };
  },
};

let result;
try {
  result = { ok: true, value: await examples[example]() };
} catch (error) {
  result = { ok: false, status: error.status ?? error.response?.status, body: error.data ?? error.response?.data, message: String(error.message) };
}
console.log(JSON.stringify(result));
